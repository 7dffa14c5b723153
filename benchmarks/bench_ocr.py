"""Benchmark: OCR of scans by the media pipeline (ocrmypdf) beside bare tesseract on the same page images.

Reference: `tesseract IMAGE - -l vie+eng` (one process reading every page of the image), measured in
the same run on the same page images. Compared: media_pipeline.ocr.make_searchable_pdf, what the
pipeline runs (ocrmypdf: rotation, deskew, tesseract, PDF/A). Both work on one core (`--jobs 1` for
ocrmypdf, OMP_THREAD_LIMIT=1 for tesseract) so the ratio is the cost of the pipeline's extra work,
not of parallelism. Each is run `--repeat` times and the best wall-clock time is kept.

Quality: the character error rate (CER, Levenshtein distance over the known text's length, NFC,
whitespace collapsed to single spaces) against the known text where the fixtures give it
(fixtures/images/vi_scan_thong_bao.txt for the generated Vietnamese scans); "-" elsewhere. Page 2
of that scan is turned by 90°: bare tesseract reads it sideways, the pipeline turns it upright.

Usage: python benchmarks/bench_ocr.py [--repeat N] (default 1; OCR is slow).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import best_of  # noqa: E402 (this script's folder is on sys.path)

FIXTURES = ROOT / "fixtures"
LANGUAGES = "vie+eng"
KNOWN = (FIXTURES / "images" / "vi_scan_thong_bao.txt").read_text(encoding="utf-8").split("\f")

# (label, file the pipeline reads, is an image, page image(s) for tesseract, known text per page or None)
CASES = [
    ("PDF quét, 2 trang", "pdf/vi_scan_thong_bao_imageonly.pdf", False, "images/vi_scan_thong_bao.tif",
     KNOWN),
    ("TIFF 2 trang", "images/vi_scan_thong_bao.tif", True, "images/vi_scan_thong_bao.tif", KNOWN),
    ("JPEG 200 dpi", "images/vi_scan_thong_bao_p1.jpg", True, "images/vi_scan_thong_bao_p1.jpg", KNOWN[:1]),
    ("PNG xoay 90°", "images/vi_scan_thong_bao_p2.png", True, "images/vi_scan_thong_bao_p2.png", KNOWN[1:]),
    ("phototest.tif (Anh)", "images/phototest.tif", True, "images/phototest.tif", None),
    ("linn.png (Anh)", "images/linn.png", True, "images/linn.png", None),
]



def normalise(text):
    return " ".join(unicodedata.normalize("NFC", text).split())


def levenshtein(a, b):
    """Edit distance (insertions, deletions, substitutions) between strings `a` and `b`."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def cer(known_pages, found_pages):
    """Character error rate (0-1) of `found_pages` against `known_pages` (lists of str), all pages."""
    known = normalise(" ".join(known_pages))
    found = normalise(" ".join(found_pages))
    return levenshtein(known, found) / max(1, len(known))


def run_tesseract(image):
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    output = subprocess.run(["tesseract", str(image), "-", "-l", LANGUAGES], capture_output=True, text=True,
                            check=True, env=env).stdout
    return [page for page in output.split("\f") if page.strip()]


def run_pipeline(source, image, workdir):
    from media_pipeline.ocr import make_searchable_pdf

    result = make_searchable_pdf(str(source), str(Path(workdir) / "out.pdf"), image=image,
                                 languages=LANGUAGES, jobs=1, timeout=600)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for tool in ("ocrmypdf", "tesseract"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: make system-deps installs it")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    import django

    django.setup()
    version = subprocess.run(["ocrmypdf", "--version"], capture_output=True, text=True).stdout.strip()
    tess = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"ocrmypdf {version}; {tess}; languages {LANGUAGES}; one core each; best of {args.repeat}")
    header = (f"{'case':<22} {'pages':>5} {'ocr s/page':>10} {'tess s/page':>11} {'ratio':>6} "
              f"{'CER ocr':>8} {'CER tess':>8}  PDF/A")
    print(header)
    print("-" * len(header))
    total_pipeline = total_bare = 0.0
    for label, relative, image, reference, known in CASES:
        with tempfile.TemporaryDirectory(prefix="bench-ocr-") as workdir:
            seconds, result = best_of(args.repeat, partial(run_pipeline, FIXTURES / relative, image, workdir))
        bare_seconds, bare_pages = best_of(args.repeat, partial(run_tesseract, FIXTURES / reference))
        pages = result.page_count
        total_pipeline += seconds
        total_bare += bare_seconds
        if known is not None:
            cer_ocr, cer_bare = f"{cer(known, result.page_texts):.1%}", f"{cer(known, bare_pages):.1%}"
        else:
            cer_ocr = cer_bare = "-"
        print(f"{label:<22} {pages:>5} {seconds / pages:>10.2f} {bare_seconds / pages:>11.2f} "
              f"{seconds / bare_seconds:>6.2f} {cer_ocr:>8} {cer_bare:>8}  {'yes' if result.pdfa else 'no'}")
    print(f"total: pipeline {total_pipeline:.1f} s, bare tesseract {total_bare:.1f} s, "
          f"ratio {total_pipeline / total_bare:.2f}")
    characters = sum(len(normalise(page)) for page in KNOWN)
    words = len(re.findall(r"\w+", " ".join(KNOWN)))
    print(f"(known text: {characters} characters, {words} words)")


if __name__ == "__main__":
    main()
