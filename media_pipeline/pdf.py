"""PDF: open and validate, page count, per-page and full text, first-page thumbnail, tables on demand.

Which library does what, and why:

- pypdfium2 (PDFium, the engine of Chrome's PDF viewer) opens the file, counts pages, extracts the
  text and renders the thumbnail. On the 64-page Vietnamese fixture (fixtures/pdf/maint-guide.vi.pdf)
  its text extraction took about 1.6x the time of poppler's `pdftotext`, while pdfplumber's
  `extract_text` took about 69x (issue measurement; benchmarks/bench_pdf_text.py measures it again).
  Text is what search needs from every upload, so it must be cheap. PDFium also reports encryption
  and damage precisely (FPDF_ERR_PASSWORD vs FPDF_ERR_FORMAT), which gives the clear failure reasons.
- pdfplumber (pdfminer.six) keeps every character with its position, which is what table and
  layout work needs; it is used only for `extract_tables`, on demand for a page, never on every
  upload, because it is one to two orders of magnitude slower.

Text is returned NFC-normalised (Vietnamese letters as precomposed code points, as the search
index and people type them), with '\\n' line ends.
"""

import io
import unicodedata
from dataclasses import dataclass, field

import pypdfium2
import pypdfium2.raw as pdfium_c

from .errors import EmptyFile, PdfCorrupt, PdfEncrypted

THUMBNAIL_WIDTH = 400  # pixels

# FPDF_GetLastError codes (PDFium public/fpdfview.h).
_FPDF_ERR_FILE = 2
_FPDF_ERR_FORMAT = 3
_FPDF_ERR_PASSWORD = 4
_FPDF_ERR_SECURITY = 6


@dataclass
class PdfText:
    """Text of a PDF: `page_count` pages, `page_texts[i]` the text of page i+1, `full_text` all pages
    joined by a form feed, `metadata` the document information dictionary (Title, Author, ...),
    `image_coverage[i]` the share (0.0-1.0) of page i+1's area under images (`image_coverage`)."""

    page_count: int
    page_texts: list[str]
    full_text: str
    metadata: dict = field(default_factory=dict)
    image_coverage: list = field(default_factory=list)


def open_pdf(path):
    """Open the PDF at `path` with PDFium and return the `pypdfium2.PdfDocument` (caller closes it).

    Raises EmptyFile (0 bytes), PdfEncrypted (a user password is needed), PdfCorrupt (not a PDF,
    damaged or truncated beyond PDFium's repair, or no pages).
    """
    try:
        document = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code in (_FPDF_ERR_PASSWORD, _FPDF_ERR_SECURITY):
            raise PdfEncrypted() from error
        with open(path, "rb") as fileobj:
            if not fileobj.read(1):
                raise EmptyFile() from error
        raise PdfCorrupt(detail=_pdfium_reason(code)) from error
    if len(document) == 0:
        document.close()
        raise PdfCorrupt(detail="0 trang")
    return document


def _pdfium_reason(code):
    return {
        _FPDF_ERR_FILE: "không đọc được tệp",
        _FPDF_ERR_FORMAT: "sai cấu trúc PDF",
    }.get(code, f"PDFium lỗi {code}")


def _clean(text):
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def image_coverage(page):
    """The share (float, 0.0-1.0) of `page`'s area (a pypdfium2 PdfPage) covered by image objects,
    nested ones included, by the sum of their bounding boxes clipped to the page: about 1.0 for a
    scanned page, 0.0 for a page of text or a blank page."""
    width, height = page.get_size()
    if not width or not height:
        return 0.0
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        left, right = max(0.0, left), min(width, right)
        bottom, top = max(0.0, bottom), min(height, top)
        if right > left and top > bottom:
            covered += (right - left) * (top - bottom)
    return round(min(1.0, covered / (width * height)), 3)


def extract_text(path, progress=None):
    """Page count, per-page text and full text of the PDF at `path` (see PdfText), with PDFium.

    `progress`, if given, is called with the fraction of pages done (0.0-1.0) after each page.
    Each page's `image_coverage` comes with it (what the OCR decision needs).
    Raises the errors of `open_pdf`. A scanned PDF gives empty page texts (OCR is a separate step).
    """
    document = open_pdf(path)
    try:
        page_texts, coverage = [], []
        total = len(document) or 1
        for page in document:
            if progress is not None and page_texts:
                progress(len(page_texts) / total)
            textpage = page.get_textpage()
            try:
                page_texts.append(_clean(textpage.get_text_bounded()))
                coverage.append(image_coverage(page))
            finally:
                textpage.close()
                page.close()
        metadata = {key: value for key, value in document.get_metadata_dict().items() if value}
        return PdfText(
            page_count=len(page_texts),
            page_texts=page_texts,
            full_text="\n\f\n".join(page_texts),
            metadata=metadata,
            image_coverage=coverage,
        )
    finally:
        document.close()


def render_thumbnail(path, width=THUMBNAIL_WIDTH):
    """PNG bytes of the first page of the PDF at `path`, `width` pixels wide (height to scale).

    Raises the errors of `open_pdf`.
    """
    document = open_pdf(path)
    try:
        page = document[0]
        try:
            page_width, _height = page.get_size()  # PDF points (1/72 inch)
            bitmap = page.render(scale=width / page_width, may_draw_forms=True)
            image = bitmap.to_pil()
        finally:
            page.close()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()


def extract_tables(path, page_number):
    """Tables of page `page_number` (1-based) as lists of rows of cell strings, with pdfplumber.

    For table-heavy PDFs (e.g. fixtures/pdf/nics-background-checks-2015-11.pdf) where the position
    of each character matters. Raises PdfEncrypted / PdfCorrupt like `open_pdf` (checked first, so
    the reasons are the same) and IndexError for a page that does not exist.
    """
    import pdfplumber

    open_pdf(path).close()
    with pdfplumber.open(str(path)) as document:
        page = document.pages[page_number - 1]
        return [
            [[_clean(cell or "") for cell in row] for row in table] for table in page.extract_tables()
        ]
