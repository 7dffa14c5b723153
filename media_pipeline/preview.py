"""Document previews: DOCX and PPTX to PDF with LibreOffice, and page images of a PDF's first pages.

- `convert_to_pdf` runs LibreOffice headless (``soffice --headless --convert-to pdf --outdir``) on a
  copy of the document in a private directory, with the import filter of its format forced
  (``--infilter``: "MS Word 2007 XML", "Impress MS PowerPoint 2007 XML"; without it LibreOffice
  reads a damaged file as plain text and "converts" it) and a user profile of its own
  (``-env:UserInstallation=file:///…``): LibreOffice allows one running instance per profile, so
  workers converting side by side would otherwise wait on, or hand their work to, each other. The
  whole process group is killed at the time limit (media_pipeline.tools.run_tool). The document is
  sniffed first (media_pipeline.detect): a password-protected one (an OLE compound file) fails
  with OfficeEncrypted, anything else that is not OOXML with OfficeCorrupt, as does a document
  LibreOffice cannot load ("source file could not be loaded"). The PDF is checked with PDFium.
- `render_pages` draws the first pages of a PDF with PDFium (pypdfium2) as WebP images
  `width` pixels wide (800 by default: sharp on a phone's 2-3x screen; 5-25 KB a page of the
  fixtures' text), a page's height at most MAX_HEIGHT_RATIO times the width (an absurdly long page is scaled
  down to fit, never drawn at millions of pixels).
- `write_page_archive` / `read_page_image`: the images of one document kept together as one ZIP
  (stored, not compressed: WebP is compressed already), members ``page-<n>.webp``.
"""

import io
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import detect, pdf
from .errors import OfficeCorrupt, OfficeEncrypted, ToolFailed, UnknownFormat, tool_detail
from .tools import run_tool

DEFAULT_SOFFICE = "soffice"
DEFAULT_PAGES = 3
DEFAULT_WIDTH = 800  # pixels
DEFAULT_QUALITY = 80  # WebP quality, 0-100
MAX_HEIGHT_RATIO = 4  # a page image is at most this many times as tall as it is wide
IMAGE_FORMAT = "webp"
IMAGE_CONTENT_TYPE = "image/webp"
TOOL_NAME = "LibreOffice (soffice)"

# LibreOffice import filters (filter names of its TypeDetection configuration) by format.
IMPORT_FILTERS = {detect.DOCX: "MS Word 2007 XML", detect.PPTX: "Impress MS PowerPoint 2007 XML"}
# What LibreOffice prints when its filter cannot read the document.
_LOAD_FAILED = "source file could not be loaded"


@dataclass
class PreviewPdf:
    """A PDF made by `convert_to_pdf`: `path`, its `page_count`, the `format` converted (detect.DOCX
    or detect.PPTX) and the `seconds` LibreOffice ran."""

    path: str
    page_count: int
    format: str
    seconds: float


@dataclass
class PageImage:
    """One page drawn by `render_pages`: its 1-based `number`, `width` × `height` in pixels, and the
    encoded image `data` (bytes, WebP)."""

    number: int
    width: int
    height: int
    data: bytes = field(repr=False)


@dataclass
class PagePreviews:
    """The first pages of a PDF of `page_count` pages as `images` (PageImage, in page order)."""

    page_count: int
    images: list


def office_format(path):
    """detect.DOCX or detect.PPTX for the document at `path`, from its content.

    Raises EmptyFile (0 bytes), OfficeEncrypted (saved with a password), OfficeCorrupt (anything
    else: not an OOXML ZIP holding a Word or PowerPoint main part)."""
    label = {"docx": "DOCX", "pptx": "PPTX"}.get(detect.extension_of(path), "DOCX/PPTX")
    with open(path, "rb") as fileobj:
        try:
            fmt = detect.sniff(fileobj)
        except UnknownFormat:
            if detect.is_encrypted_office(fileobj):
                raise OfficeEncrypted(format=label) from None
            fmt = None
    if fmt not in IMPORT_FILTERS:
        raise OfficeCorrupt(format=label, detail="không phải tài liệu Office Open XML")
    return fmt


def convert_to_pdf(source, output_path, *, soffice=DEFAULT_SOFFICE, timeout=120.0, progress=None):
    """Convert the DOCX or PPTX at `source` to a PDF at `output_path` with LibreOffice headless.

    `soffice`: the program (path or name on PATH). `timeout`: seconds LibreOffice may run (its whole
    process group is then killed). `progress(fraction)`: called while it runs (an estimate). The
    source is only read. Returns a PreviewPdf. Raises EmptyFile, OfficeEncrypted, OfficeCorrupt
    (not OOXML, or LibreOffice could not load it), ToolMissing (no such program), ToolTimeout,
    ToolFailed (LibreOffice ended without a PDF for another reason; passing), and the errors of
    pdf.open_pdf when what it wrote is not a readable PDF.
    """
    fmt = office_format(source)
    label = detect.LABELS[fmt]
    with tempfile.TemporaryDirectory(prefix="hoclieu-soffice-") as workdir:
        work = Path(workdir)
        document = work / f"document.{fmt}"
        shutil.copyfile(source, document)
        outdir = work / "out"
        args = [
            soffice, "--headless", "--invisible", "--nologo", "--nodefault", "--norestore",
            "--nolockcheck", f"-env:UserInstallation={(work / 'profile').as_uri()}",
            f"--infilter={IMPORT_FILTERS[fmt]}", "--convert-to", "pdf", "--outdir", str(outdir),
            str(document),
        ]
        started = time.monotonic()
        returncode, stderr = run_tool(args, TOOL_NAME, timeout=timeout, progress=progress,
                                      env={**os.environ, "HOME": workdir})
        seconds = time.monotonic() - started
        made = outdir / "document.pdf"
        if not made.is_file() or made.stat().st_size == 0:
            detail = tool_detail(stderr, document, empty=f"mã thoát {returncode}")
            if _LOAD_FAILED in stderr:
                raise OfficeCorrupt(format=label, detail=detail)
            raise ToolFailed(tool=TOOL_NAME, detail=detail)
        converted = pdf.open_pdf(made)
        try:
            page_count = len(converted)
        finally:
            converted.close()
        shutil.move(str(made), output_path)
    return PreviewPdf(path=str(output_path), page_count=page_count, format=fmt, seconds=seconds)


def _scale(page_width, page_height, width):
    """The PDFium render scale (pixels per PDF point) for a page of `page_width` × `page_height`
    points drawn `width` pixels wide, its height kept within MAX_HEIGHT_RATIO × width."""
    scale = width / page_width
    if page_height * scale > MAX_HEIGHT_RATIO * width:
        scale = MAX_HEIGHT_RATIO * width / page_height
    return scale


def render_pages(path, *, pages=DEFAULT_PAGES, width=DEFAULT_WIDTH, quality=DEFAULT_QUALITY):
    """The first `pages` pages (all of them when fewer) of the PDF at `path` as WebP images `width`
    pixels wide (height to scale, at most MAX_HEIGHT_RATIO × width), drawn by PDFium with forms and
    annotations, on white. Returns PagePreviews. Raises the errors of pdf.open_pdf (EmptyFile,
    PdfEncrypted, PdfCorrupt)."""
    document = pdf.open_pdf(path)
    try:
        images = []
        for index in range(min(pages, len(document))):
            page = document[index]
            try:
                page_width, page_height = page.get_size()  # PDF points (1/72 inch)
                bitmap = page.render(scale=_scale(page_width, page_height, width), may_draw_forms=True)
                image = bitmap.to_pil().convert("RGB")
            finally:
                page.close()
            buffer = io.BytesIO()
            image.save(buffer, format="WEBP", quality=quality, method=4)
            images.append(PageImage(index + 1, image.width, image.height, buffer.getvalue()))
        return PagePreviews(page_count=len(document), images=images)
    finally:
        document.close()


def member_name(number):
    """The name of page `number`'s image in a page archive: ``page-<number>.webp``."""
    return f"page-{number}.{IMAGE_FORMAT}"


def write_page_archive(previews):
    """The images of `previews` (PagePreviews) as the bytes of one ZIP (stored, members
    `member_name(n)`), to keep as one file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for image in previews.images:
            archive.writestr(member_name(image.number), image.data)
    return buffer.getvalue()


def read_page_image(fileobj, number):
    """The bytes of page `number`'s image from the page archive open as `fileobj` (a seekable
    binary file), or None when it has no such page. Raises zipfile.BadZipFile for a damaged archive."""
    with zipfile.ZipFile(fileobj) as archive:
        try:
            return archive.read(member_name(number))
        except KeyError:
            return None
