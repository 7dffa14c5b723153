"""OCR: scanned PDFs and page images (TIFF, JPEG, PNG) into a searchable PDF/A, with ocrmypdf.

ocrmypdf runs tesseract on every page that needs it and writes a PDF/A-2b whose pages are the
original images with an invisible text layer; the input file is only read. How it is called:

- ``-l vie+eng`` (languages, a setting of the caller), ``--output-type pdfa``;
- ``--rotate-pages`` (a page scanned sideways or upside down is turned upright);
- mode SKIP_TEXT: ``--skip-text --deskew``: pages that already have text are kept as they are, the
  others are straightened and recognised. Mode REDO_OCR: ``--redo-ocr``: every page's images are
  recognised again while visible text is kept (for pages with a few characters of text, e.g. a
  stamp, that --skip-text would leave unrecognised); ocrmypdf does not allow --deskew with it;
- ``--max-image-mpixels``: the pixel limit, so an image bomb inside a PDF is refused too;
- images: ocrmypdf's own image input (img2pdf, lossless; multi-page TIFF gives one page per
  frame), ``--image-dpi`` when the image does not say its resolution. An image with transparency or
  a mode img2pdf refuses is first flattened to a TIFF with Pillow.

Page images are checked with Pillow before any work (`inspect_image`): the size of every frame is
read from the header, and a frame over `max_pixels` is refused (ImageTooLarge) before anything is
decoded, as PIL's Image.MAX_IMAGE_PIXELS does; then every frame is decoded once, so a truncated or
damaged image fails here with its reason (ImageCorrupt) rather than inside ocrmypdf.

The text of the result is read back with PDFium (media_pipeline.pdf.extract_text), page by page, so
pages kept with their own text and pages recognised here come out the same way.
"""

import os
import re
import struct
import tempfile
import time
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image, JpegImagePlugin, PngImagePlugin, TiffImagePlugin, UnidentifiedImageError

from . import pdf
from .errors import (
    EmptyFile,
    ImageCorrupt,
    ImageTooLarge,
    MediaError,
    PdfCorrupt,
    PdfEncrypted,
    ToolFailed,
    ToolMissing,
    tool_detail,
)
from .tools import run_tool

DEFAULT_LANGUAGES = "vie+eng"
DEFAULT_MAX_PIXELS = 150_000_000  # pixels of one page image (A2 at 600 dpi is about 140 million)
DEFAULT_IMAGE_DPI = 300  # dots per inch assumed for an image that does not say
SKIP_TEXT = "skip-text"
REDO_OCR = "redo-ocr"
MODES = (SKIP_TEXT, REDO_OCR)

# ocrmypdf's exit codes (ocrmypdf.ExitCode).
EXIT_OK = 0
EXIT_INPUT_FILE = 2
EXIT_MISSING_DEPENDENCY = 3
EXIT_ENCRYPTED_PDF = 8
EXIT_PDFA_CONVERSION_FAILED = 10  # the output is a valid PDF, only not PDF/A

_PIXELS_IN_MESSAGE = re.compile(r"\((\d+) pixels\)")
# Page image formats by their first bytes (media_pipeline.detect), with the Pillow class reading them.
_PLUGINS = (
    ((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), TiffImagePlugin.TiffImageFile, "TIFF"),
    ((b"\xff\xd8\xff",), JpegImagePlugin.JpegImageFile, "JPEG"),
    ((b"\x89PNG\r\n\x1a\n",), PngImagePlugin.PngImageFile, "PNG"),
)
# Pillow modes img2pdf takes as they are; others (alpha, 16-bit, float) are flattened first.
_IMG2PDF_MODES = {"1", "L", "RGB", "CMYK", "P"}


@dataclass
class ImageInfo:
    """A page image: its Pillow `format` ("TIFF", "JPEG", "PNG"), `frames` (pages), the largest
    frame's `width` and `height` (pixels), its `dpi` (x, y) or None when the file does not say, and
    `needs_flattening` (transparency or a mode img2pdf refuses)."""

    format: str
    frames: int
    width: int
    height: int
    dpi: tuple | None
    needs_flattening: bool

    @property
    def pixels(self):
        return self.width * self.height


@dataclass
class OcrResult:
    """A searchable PDF made by `make_searchable_pdf`: `page_count` pages, `page_texts[i]` the text
    of page i+1 (NFC), `full_text` the pages joined by a form feed, `pdfa` True when the output is
    PDF/A (ocrmypdf could convert it), `mode` SKIP_TEXT or REDO_OCR, `seconds` the wall time of
    ocrmypdf."""

    page_count: int
    page_texts: list
    full_text: str
    pdfa: bool
    mode: str
    seconds: float


def inspect_image(source, max_pixels=DEFAULT_MAX_PIXELS, decode=True):
    """Check the page image `source` (a path or a seekable binary file object) and describe it.

    Every frame's size is read from its header first; a frame of more than `max_pixels` pixels
    raises ImageTooLarge before anything is decoded. With `decode`, every frame is then decoded once
    (a truncated or damaged image raises ImageCorrupt). A file object's position is restored.
    Returns ImageInfo. Raises EmptyFile, ImageTooLarge, ImageCorrupt.
    """
    position = source.tell() if hasattr(source, "tell") else None
    try:
        return _inspect(source, max_pixels, decode)
    finally:
        if position is not None:
            source.seek(position)


def _too_large(width, height, max_pixels):
    return ImageTooLarge(width=width, height=height, megapixels=width * height / 1e6,
                         limit_megapixels=max_pixels / 1e6)


def _open_image(source):
    """(Pillow image, format label) of `source`, its header read, nothing decoded. For TIFF, JPEG
    and PNG the format's own class opens it, without Image.open's own pixel limit (which would
    refuse a large image without saying its size); anything else goes through Image.open."""
    if hasattr(source, "read"):
        head = source.read(8)
        source.seek(0)
    else:
        with open(source, "rb") as fileobj:
            head = fileobj.read(8)
    for magics, plugin, label in _PLUGINS:
        if head.startswith(magics):
            return plugin(source), label
    image = Image.open(source)
    return image, image.format or "?"


def _inspect(source, max_pixels, decode):
    if hasattr(source, "seek"):
        source.seek(0)
    label = "?"
    with warnings.catch_warnings():
        # Our limit decides; Pillow's own (Image.MAX_IMAGE_PIXELS) is a second line, caught below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        # A damaged file's warnings (e.g. "Corrupt EXIF data") become ImageCorrupt below, or nothing.
        warnings.simplefilter("ignore", UserWarning)
        try:
            image, label = _open_image(source)
        except Image.DecompressionBombError as error:
            raise _bomb_error(str(error), max_pixels) from error
        except UnidentifiedImageError as error:
            if _is_empty(source):
                raise EmptyFile() from error
            raise ImageCorrupt(format=label, detail="không nhận ra ảnh") from error
        except (OSError, ValueError, SyntaxError, EOFError, struct.error, KeyError, IndexError) as error:
            if _is_empty(source):
                raise EmptyFile() from error
            raise ImageCorrupt(format=_label_of(source), detail=str(error) or type(error).__name__) from error
        with image:
            frames = getattr(image, "n_frames", 1)
            sizes = []
            try:
                for index in range(frames):
                    image.seek(index)
                    width, height = image.size
                    if width * height > max_pixels:
                        raise _too_large(width, height, max_pixels)
                    sizes.append((width, height))
                flatten = False
                for index in range(frames):
                    image.seek(index)
                    flatten |= image.mode not in _IMG2PDF_MODES or "transparency" in image.info
                    if decode:
                        image.load()
            except MediaError:
                raise
            except (OSError, ValueError, SyntaxError, EOFError, struct.error, KeyError, IndexError) as error:
                raise ImageCorrupt(format=label, detail=str(error) or type(error).__name__) from error
            image.seek(0)
            # Floats (TIFF gives IFDRational); 0 or 1 dpi is a file that does not really say.
            dpi = tuple(round(float(value), 2) for value in image.info.get("dpi") or ())
            if not dpi or min(dpi) < 10:
                dpi = None
            width, height = max(sizes, key=lambda size: size[0] * size[1])
            return ImageInfo(label, frames, width, height, dpi, flatten)


def _label_of(source):
    if hasattr(source, "read"):
        source.seek(0)
        head = source.read(8)
        source.seek(0)
    else:
        with open(source, "rb") as fileobj:
            head = fileobj.read(8)
    return next((label for magics, _plugin, label in _PLUGINS if head.startswith(magics)), "?")


def _is_empty(source):
    if hasattr(source, "seek"):
        source.seek(0)
        return not source.read(1)
    return os.path.getsize(source) == 0


def ocr_timeout(pages, base=60.0, per_page=60.0):
    """Seconds ocrmypdf may run on `pages` pages: `base` + `per_page` × pages."""
    return float(base) + float(per_page) * max(1, int(pages or 1))


def flatten_image(source, target):
    """Write the page image at path `source` to `target` as a TIFF img2pdf accepts: every frame
    on a white background, in RGB (8 bits a channel), LZW-compressed, keeping its dpi.
    Raises ImageCorrupt."""
    try:
        with Image.open(source) as image:
            dpi = image.info.get("dpi")
            frames = []
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, "white")
                flat.paste(rgba, mask=rgba.getchannel("A"))
                frames.append(flat)
            options = {"compression": "tiff_lzw", "save_all": True, "append_images": frames[1:]}
            if dpi:
                options["dpi"] = dpi
            frames[0].save(target, format="TIFF", **options)
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageCorrupt(format="?", detail=str(error) or type(error).__name__) from error


def make_searchable_pdf(source, output_path, *, image=False, mode=SKIP_TEXT, languages=DEFAULT_LANGUAGES,
                        ocrmypdf="ocrmypdf", timeout=None, max_pixels=DEFAULT_MAX_PIXELS,
                        image_dpi=DEFAULT_IMAGE_DPI, jobs=None, progress=None, expected_seconds=None):
    """Make a searchable PDF/A of the scanned PDF or page image at path `source` at `output_path`.

    `image`: True for a page image (TIFF, possibly multi-page, JPEG, PNG), checked first with
    `inspect_image(max_pixels)`; False for a PDF. `mode`: SKIP_TEXT or REDO_OCR (module doc).
    `languages`: tesseract's, joined by "+". `timeout`: seconds ocrmypdf may run (None: no limit;
    see `ocr_timeout`); past it, ocrmypdf and the programs it started are killed. `max_pixels`:
    the largest image, in pixels, decoded (also inside a PDF). `image_dpi`: dots per inch assumed
    for an image that does not say. `jobs`: pages worked on at once (None: ocrmypdf's default, all
    cores). `progress`: called with an estimated fraction done (0.0-0.95) about every POLL_SECONDS,
    elapsed time over `expected_seconds` (default: a third of `timeout`, or 60).

    The source is never written. Returns OcrResult. Raises EmptyFile, ImageTooLarge, ImageCorrupt
    (images), PdfEncrypted, PdfCorrupt (PDFs), ToolMissing (ocrmypdf, tesseract or a language's
    data missing), ToolTimeout, ToolFailed (any other failure of ocrmypdf; passing).
    """
    if mode not in MODES:
        raise ValueError(f"unknown OCR mode {mode!r}")
    with tempfile.TemporaryDirectory(prefix="hoclieu-ocr-") as workdir:
        args = [ocrmypdf, "-q", "-l", languages, "--output-type", "pdfa", "--rotate-pages",
                "--max-image-mpixels", f"{max_pixels / 1e6:g}"]
        args += ["--skip-text", "--deskew"] if mode == SKIP_TEXT else ["--redo-ocr"]
        if jobs:
            args += ["--jobs", str(int(jobs))]
        input_path = source
        if image:
            info = inspect_image(source, max_pixels)
            if info.needs_flattening:
                input_path = os.path.join(workdir, "flat.tiff")
                flatten_image(source, input_path)
            if info.dpi is None:
                args += ["--image-dpi", str(int(image_dpi))]
        args += [str(input_path), str(output_path)]
        started = time.monotonic()
        returncode, stderr = run_tool(args, ocrmypdf, timeout, progress, expected_seconds)
        seconds = time.monotonic() - started
    pdfa = returncode == EXIT_OK
    if returncode not in (EXIT_OK, EXIT_PDFA_CONVERSION_FAILED):
        raise _error_for(returncode, stderr, ocrmypdf, image, max_pixels)
    text = pdf.extract_text(output_path)
    return OcrResult(text.page_count, text.page_texts, text.full_text, pdfa, mode, seconds)


def _bomb_error(text, max_pixels):
    """ImageTooLarge for Pillow's DecompressionBombError message `text` ("Image size (N pixels)
    exceeds limit of ..."), whose image size is not known, only its pixel count."""
    found = _PIXELS_IN_MESSAGE.search(text)
    megapixels = int(found.group(1)) / 1e6 if found else float(max_pixels / 1e6)
    return ImageTooLarge(
        _("Một ảnh trong tệp quá lớn (%(megapixels)s triệu điểm ảnh), vượt giới hạn %(limit_megapixels)s "
          "triệu điểm ảnh. Tệp có thể là “bom giải nén” nên không được xử lí."),
        megapixels=megapixels, limit_megapixels=max_pixels / 1e6,
    )


def _error_for(returncode, stderr, tool, image, max_pixels):
    """The MediaError for ocrmypdf's exit code `returncode` and its `stderr`."""
    detail = tool_detail(stderr)
    if "DecompressionBomb" in stderr:
        return _bomb_error(stderr, max_pixels)
    if returncode == EXIT_ENCRYPTED_PDF:
        return PdfEncrypted()
    if returncode == EXIT_INPUT_FILE:
        if image:
            return ImageCorrupt(format="?", detail=detail)
        return PdfCorrupt(detail=detail)
    if returncode == EXIT_MISSING_DEPENDENCY:
        return ToolMissing(tool=f"{tool}: {detail}" if detail else tool)
    return ToolFailed(tool=tool, detail=f"{detail} (mã thoát {returncode})" if detail else
                      f"mã thoát {returncode}")
