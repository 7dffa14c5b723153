"""Page sets: scanned page images uploaded together, assembled into one multi-page TIFF.

A digitised material may be an ordered set of page images (TIFF, JPEG, PNG) rather than one file.
`assemble_tiff` writes them, in the order given, as one multi-page TIFF (TIFF 6.0, one frame per
page; a multi-page TIFF among them gives all its frames): bilevel pages CCITT Group 4, the others
LZW, both lossless, so every frame holds the pixels the page image decodes to. A page with
transparency, a palette or a mode OCR does not take (16-bit, CMYK, ...) is flattened on white to
RGB, as media_pipeline.ocr does before OCR. Each frame keeps its page's resolution, or gets
`default_dpi` when the image does not say. The TIFF then goes through OCR like any scanned TIFF
(media_pipeline.ocr.make_searchable_pdf). Check each image first with `check_page_image` (pixel
limit before decoding, then a full decode), so one bad page is named with its reason.

`natural_key` orders file names as people number pages: "trang2" before "trang10".
"""

import re
from dataclasses import dataclass

from PIL import Image, TiffImagePlugin

from .errors import ImageCorrupt
from .ocr import DEFAULT_IMAGE_DPI, DEFAULT_MAX_PIXELS, inspect_image

# Modes written as they are; any other is flattened on white to RGB.
_KEPT_MODES = {"1", "L", "RGB"}


@dataclass
class AssembledPages:
    """What `assemble_tiff` wrote: `page_count` frames; `pages` one dict per frame in order
    {"source": index of the source in the list given, "frame": frame of that source (0-based),
    "width", "height" (pixels), "dpi" [x, y], "mode" (Pillow's, as written)}."""

    page_count: int
    pages: list


def natural_key(name):
    """Sort key of a file name in natural order: runs of digits compare as numbers, the rest
    case-insensitively ("trang-2.png" < "trang-10.png" < "Trang-11.png")."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
            for part in re.split(r"(\d+)", str(name)) if part]


def check_page_image(source, max_pixels=DEFAULT_MAX_PIXELS):
    """Check the page image at path or file object `source` (media_pipeline.ocr.inspect_image with
    a full decode): returns its ocr.ImageInfo. Raises EmptyFile, ImageTooLarge (over `max_pixels`
    pixels, before decoding), ImageCorrupt."""
    return inspect_image(source, max_pixels=max_pixels, decode=True)


def _frame_dpi(image, default_dpi):
    dpi = image.info.get("dpi") or ()
    dpi = tuple(round(float(value), 2) for value in dpi)
    if len(dpi) != 2 or min(dpi) < 10:
        return (float(default_dpi), float(default_dpi))
    return dpi


def _writable(image):
    """(frame in a mode written as is, compression) of the current frame of `image`."""
    if image.mode in _KEPT_MODES and "transparency" not in image.info:
        frame = image.copy()
    else:
        rgba = image.convert("RGBA")
        frame = Image.new("RGB", rgba.size, "white")
        frame.paste(rgba, mask=rgba.getchannel("A"))
    return frame, "group4" if frame.mode == "1" else "tiff_lzw"


def assemble_tiff(sources, output_path, default_dpi=DEFAULT_IMAGE_DPI):
    """Write the page images at paths `sources` (a list, in page order, each checked with
    `check_page_image`) as one multi-page TIFF at `output_path`. Returns AssembledPages.

    The sources are only read. Raises ImageCorrupt when a source cannot be decoded after all.
    """
    pages = []
    try:
        with TiffImagePlugin.AppendingTiffWriter(str(output_path), new=True) as writer:
            for index, source in enumerate(sources):
                with Image.open(source) as image:
                    for frame_number in range(getattr(image, "n_frames", 1)):
                        image.seek(frame_number)
                        dpi = _frame_dpi(image, default_dpi)
                        frame, compression = _writable(image)
                        frame.save(writer, format="TIFF", compression=compression, dpi=dpi)
                        writer.newFrame()
                        pages.append({"source": index, "frame": frame_number, "width": frame.width,
                                      "height": frame.height, "dpi": list(dpi), "mode": frame.mode})
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageCorrupt(format="?", detail=str(error) or type(error).__name__) from error
    return AssembledPages(len(pages), pages)
