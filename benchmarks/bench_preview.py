"""Document preview cost (issue 7, item 7): our preview of a DOCX/PPTX (media_pipeline.preview:
sniff, copy, LibreOffice headless with a private profile made afresh for the run and the import
filter forced, PDF check with PDFium; then the WebP images of the first pages) beside the bare
`soffice --headless --convert-to pdf --outdir DIR FILE` on the same files, in the same run. The bare
command keeps one LibreOffice profile for all its runs (made before timing), as a person running it
by hand would. Prints seconds per file (best of N) and the ratios ours / bare.

Usage: python benchmarks/bench_preview.py [--repeat N] [FILE ...]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import best_of  # noqa: E402 (this script's folder is on sys.path)

from media_pipeline import preview  # noqa: E402

FILES = ["fixtures/office/test.docx", "fixtures/office/tbl-having-tables.docx", "fixtures/office/test.pptx",
         "fixtures/office/pptx-tbl-cell.pptx"]


def bare(source, outdir, profile):
    """The bare conversion: soffice with one lasting profile, nothing checked."""
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(source)],
                   check=True, timeout=600, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ours(source, output):
    """Our preview: the PDF, then the page images (default pages and width)."""
    made = preview.convert_to_pdf(source, output)
    return made, preview.render_pages(made.path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=[str(ROOT / name) for name in FILES])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"best of {args.repeat}; seconds per file")
    print(f"{'file':<40}{'pages':>6}{'bare soffice':>14}{'ours: PDF':>11}{'+ images':>10}{'ratio PDF':>11}"
          f"{'ratio all':>11}")
    totals = [0.0, 0.0, 0.0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profile = tmp / "bare-profile"
        bare(Path(args.files[0]), tmp / "warm-up", profile)  # the lasting profile exists before timing
        for name in args.files:
            source = Path(name)
            reference, _ = best_of(args.repeat, lambda s=source: bare(s, tmp / "bare", profile))
            converted, made = best_of(args.repeat,
                                      lambda s=source: preview.convert_to_pdf(s, tmp / "ours.pdf"))
            whole, _both = best_of(args.repeat, lambda s=source: ours(s, tmp / "ours-all.pdf"))
            for index, value in enumerate((reference, converted, whole)):
                totals[index] += value
            shown = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
            print(f"{str(shown):<40}{made.page_count:>6}{reference:>14.2f}{converted:>11.2f}{whole:>10.2f}"
                  f"{converted / reference:>11.2f}{whole / reference:>11.2f}")
    reference, converted, whole = totals
    print(f"{'all files':<40}{'':>6}{reference:>14.2f}{converted:>11.2f}{whole:>10.2f}"
          f"{converted / reference:>11.2f}{whole / reference:>11.2f}")


if __name__ == "__main__":
    main()
