"""Digitised materials uploaded as an ordered set of page images (TIFF, JPEG, PNG).

The set becomes ONE material whose file (a MaterialFile in the library's collection) is a
multi-page TIFF assembled from the images in natural order of their names ("trang-2" before
"trang-10"; media_pipeline.pagesets), losslessly. That TIFF is what the media pipeline processes,
as any scanned TIFF: probe (pixel limit per page), then OCR to a searchable PDF/A whose text, page by
page, goes into search. The images themselves are kept as uploaded, as PageImage rows of that file
(repository.models.pagesets), and are never served: readers get the file and its searchable PDF
under the material's access rules like any other file.

Each image is checked before anything is stored (`check_page_images`: a page image format by its
content, the pixel limit before decoding, then a full decode): a bad image is named with its reason
and left out. The batch import (repository.importing) assembles the good pages and reports each bad
one; the admin form refuses the upload, naming them, so the librarian can send the set again.
"""

import os
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from media_pipeline import detect, pagesets
from media_pipeline.errors import MediaError
from media_pipeline.files import digest_fileobj

from .models import MaterialFile, PageImage
from .roles import library_collection


class PageSetRefused(ValueError):
    """No page of the set can be used; `str()` says why, in Vietnamese, with each page's reason."""


@dataclass
class PageSource:
    """One page image of a set: `name` as uploaded; its bytes in the local file `path` or in the
    binary file object `fileobj` (an upload)."""

    name: str
    path: Path | None = None
    fileobj: object = None

    @contextmanager
    def opened(self):
        """The image's bytes as a binary file object at its start."""
        if self.fileobj is not None:
            self.fileobj.seek(0)
            yield self.fileobj
            self.fileobj.seek(0)
        else:
            with open(self.path, "rb") as fileobj:
                yield fileobj


@dataclass
class CheckedPages:
    """`good`: (PageSource, ocr.ImageInfo) pairs in page order; `refused`: (PageSource, reason)."""

    good: list = field(default_factory=list)
    refused: list = field(default_factory=list)


def is_page_image_name(name):
    """True if `name`'s extension is a page image's (TIFF, JPEG, PNG)."""
    extension = detect.extension_of(name)
    return any(extension in detect.EXTENSIONS[fmt] for fmt in detect.IMAGE_FORMATS)


def order_pages(sources):
    """`sources` (PageSources) in natural order of their names (media_pipeline.pagesets.natural_key)."""
    return sorted(sources, key=lambda source: pagesets.natural_key(source.name))


def check_page_images(sources, max_pixels=None):
    """Check each of `sources` (PageSources; ordered here with `order_pages`) as a page image: its
    content a TIFF, JPEG or PNG matching its name (media_pipeline.detect), within `max_pixels`
    (default HOCLIEU_OCR_MAX_PIXELS) pixels a frame, decodable. Returns CheckedPages; never raises
    for a bad image."""
    max_pixels = max_pixels or settings.HOCLIEU_OCR_MAX_PIXELS
    checked = CheckedPages()
    for source in order_pages(sources):
        try:
            with source.opened() as fileobj:
                fmt = detect.detect(fileobj, source.name)
                if fmt not in detect.IMAGE_FORMATS:
                    raise PageSetRefused(_("Không phải ảnh trang quét (TIFF, JPEG, PNG)."))
                checked.good.append((source, pagesets.check_page_image(fileobj, max_pixels)))
        except (MediaError, PageSetRefused) as error:
            checked.refused.append((source, str(error)))
        except OSError as error:
            checked.refused.append((source, _("Không đọc được tệp: %(error)s") % {"error": error}))
    return checked


def refusal_message(refused):
    """One Vietnamese line per refused page: "<name>: <reason>"."""
    return "\n".join(f"{source.name}: {reason}" for source, reason in refused)


def assembled_name(title):
    """File name of the TIFF assembled for a set titled `title`: its slug, ".tif"."""
    return f"{slugify(title)[:80] or 'bo-anh-trang'}.tif"


def assemble(good, target):
    """Write the checked pages `good` (CheckedPages.good, in order) as one multi-page TIFF at path
    `target` (media_pipeline.pagesets.assemble_tiff). Raises PageSetRefused when `good` is empty,
    ImageCorrupt when an image cannot be decoded after all."""
    if not good:
        raise PageSetRefused(_("Không có ảnh trang nào dùng được."))
    with ExitStack() as stack:
        sources = [stack.enter_context(source.opened()) for source, _info in good]
        return pagesets.assemble_tiff(sources, target)


def keep_page_images(material_file, good):
    """Store each page image of `good` (CheckedPages.good, in order) as it was uploaded, as a
    PageImage of `material_file` (the TIFF assembled from them). Returns the PageImages."""
    kept, position = [], 1
    for source, info in good:
        with source.opened() as fileobj:
            digest = digest_fileobj(fileobj)
            fileobj.seek(0)
            page = PageImage(material_file=material_file, position=position, frames=info.frames,
                             original_name=source.name[:255], sha256=digest.sha256, file_size=digest.size,
                             width=info.width, height=info.height)
            page.image.save(os.path.basename(source.name), File(fileobj), save=False)
            page.save()
        kept.append(page)
        position += info.frames
    return kept


def store_page_set(good, library, user, title):
    """Assemble the checked pages `good` (CheckedPages.good, in order) into one multi-page TIFF,
    store it as a new MaterialFile titled `title` in `library`'s collection, uploaded by `user`,
    and keep every image as a PageImage of it, in one transaction. The pipeline starts on the TIFF
    when the transaction commits. Returns the MaterialFile. Raises PageSetRefused when `good` is
    empty, ImageCorrupt when an image cannot be decoded after all (nothing stored)."""
    with tempfile.TemporaryDirectory(prefix="hoclieu-pageset-") as workdir:
        name = assembled_name(title)
        target = os.path.join(workdir, name)
        assemble(good, target)
        with transaction.atomic():
            material_file = MaterialFile(title=title, collection=library_collection(library),
                                         uploaded_by_user=user)
            with open(target, "rb") as fileobj:
                material_file.file.save(name, File(fileobj, name=name), save=False)
                material_file.save()
            keep_page_images(material_file, good)
    return material_file
