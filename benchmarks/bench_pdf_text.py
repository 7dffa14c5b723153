"""Benchmark: PDF text extraction of the media pipeline against poppler's pdftotext and pdfplumber.

Reference: poppler's `pdftotext -enc UTF-8 FILE -` (poppler-utils), measured in the same run.
Compared: media_pipeline.pdf.extract_text (pypdfium2, what the pipeline uses) and pdfplumber's
page.extract_text() over every page (what DESIGN.md first named). Each is run `--repeat` times and
the best wall-clock time is kept (the least disturbed run). Prints seconds, ratios to the reference
and the number of characters each produced (a sanity check that all read the same text).

Usage: python benchmarks/bench_pdf_text.py [PDF] [--repeat N] [--plumber-repeat M]
(defaults: fixtures/pdf/maint-guide.vi.pdf, 64 Vietnamese pages; N = 3; M = 1, pdfplumber is slow).
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import best_of  # noqa: E402 (this script's folder is on sys.path)

DEFAULT_PDF = ROOT / "fixtures" / "pdf" / "maint-guide.vi.pdf"



def run_pdftotext(path):
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def run_pipeline(path):
    from media_pipeline.pdf import extract_text

    return extract_text(path).full_text


def run_pdfplumber(path):
    import pdfplumber

    with pdfplumber.open(str(path)) as document:
        return "\n".join(page.extract_text() or "" for page in document.pages)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", default=str(DEFAULT_PDF))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plumber-repeat", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        sys.exit("pdftotext (poppler-utils) is not installed: no reference to compare with.")
    path = Path(args.pdf)
    run_pipeline(path)  # warm-up: import pypdfium2 and load PDFium once, outside the timing

    rows = [
        ("pdftotext (reference)", *best_of(args.repeat, lambda: run_pdftotext(path))),
        ("pipeline: pypdfium2", *best_of(args.repeat, lambda: run_pipeline(path))),
        ("pdfplumber extract_text", *best_of(args.plumber_repeat, lambda: run_pdfplumber(path))),
    ]
    reference = rows[0][1]
    print(f"PDF: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"({path.stat().st_size} bytes), best of {args.repeat} (pdfplumber: {args.plumber_repeat})")
    print(f"{'method':<26}{'seconds':>10}{'x pdftotext':>14}{'characters':>12}")
    for name, seconds, text in rows:
        print(f"{name:<26}{seconds:>10.3f}{seconds / reference:>14.1f}{len(text):>12}")


if __name__ == "__main__":
    main()
