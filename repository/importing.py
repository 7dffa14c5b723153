"""Batch import of files as materials (a librarian's digitised or in-house materials).

`import_materials(paths, library, material_type, ...)` walks files and folders, checks each file
(extension allowed, not empty, not over HOCLIEU_MAX_UPLOAD_BYTES, content matching its extension,
not already in the library by SHA-256), stores it as a MaterialFile in the library's collection and
adds a MaterialPage under the library's index page, each file in its own transaction, so one bad
file never stops the batch. With `publish=True` the page is published at once; otherwise it is
submitted to the review workflow. The media pipeline runs on each stored file in the background.
"""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from media_pipeline.detect import detect, extension_of
from media_pipeline.errors import MediaError
from media_pipeline.files import digest_fileobj

from .choices import MaterialType, Subject
from .models import MaterialFile, MaterialPage
from .roles import library_collection
from .slugs import unique_child_slug

logger = logging.getLogger("hoclieu.import")


class SkipFile(Exception):
    """A file the import leaves out; `str()` is the reason shown to the librarian."""


@dataclass
class ImportReport:
    """What a batch import did: `imported` pages, `skipped` as (path, reason) pairs."""

    imported: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    @property
    def total(self):
        return len(self.imported) + len(self.skipped)


def iter_files(paths):
    """Yield the files under `paths` (files or folders, recursively), sorted, hidden ones left out.

    A path that does not exist is yielded as is, so the caller reports it as skipped.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


def title_from_filename(path):
    """A readable title from a file name: 'Bai_12-phan_so.pdf' -> 'Bai 12 phan so'."""
    return " ".join(Path(path).stem.replace("_", " ").replace("-", " ").split()) or Path(path).name


def check_file(path, library):
    """Raise SkipFile with the reason if `path` must not be imported into `library`.

    Reasons: missing, not a regular file, extension not allowed, over HOCLIEU_MAX_UPLOAD_BYTES,
    content not matching the extension (media_pipeline.detect), same SHA-256 as a file already used
    by a material of the library.
    """
    if not path.exists():
        raise SkipFile(_("Không tìm thấy tệp."))
    if not path.is_file():
        raise SkipFile(_("Không phải tệp thường."))
    extension = extension_of(path.name)
    if extension not in settings.WAGTAILDOCS_EXTENSIONS:
        raise SkipFile(
            _("Phần mở rộng .%(ext)s không được nhận; chỉ nhận: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(settings.WAGTAILDOCS_EXTENSIONS)}
        )
    size = path.stat().st_size
    if size > settings.HOCLIEU_MAX_UPLOAD_BYTES:
        raise SkipFile(
            _("Tệp quá lớn: %(size)s, tối đa %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.HOCLIEU_MAX_UPLOAD_BYTES)}
        )
    try:
        with open(path, "rb") as fileobj:
            detect(fileobj, path.name)
            digest = digest_fileobj(fileobj).sha256
    except MediaError as error:
        raise SkipFile(str(error)) from error
    except OSError as error:
        raise SkipFile(_("Không đọc được tệp: %(error)s") % {"error": error}) from error
    duplicate = MaterialFile.objects.filter(sha256=digest, materials__library=library).first()
    if duplicate is not None:
        raise SkipFile(_("Trùng nội dung với tệp đã có: “%(title)s”.") % {"title": duplicate.title})
    return digest


@transaction.atomic
def import_file(path, library, material_type, subject=Subject.OTHER, grade=None, publish=False,
                user=None, creators=None, access_level=None):
    """Store one file and add its MaterialPage under `library`'s index page; return the page.

    Raises SkipFile (nothing stored) when `check_file` refuses it.
    """
    check_file(path, library)
    index = library.index_page
    with open(path, "rb") as fileobj:
        material_file = MaterialFile(
            title=title_from_filename(path), collection=library_collection(library), uploaded_by_user=user
        )
        material_file.file.save(path.name, File(fileobj, name=path.name), save=False)
        material_file.save()
    page = MaterialPage(
        title=material_file.title,
        slug=unique_child_slug(index, material_file.title),
        material_type=material_type,
        creators=creators or library.name,
        subject=subject,
        grade=grade,
        file=material_file,
        owner=user,
        live=False,
        **({"access_level": access_level} if access_level else {}),
    )
    index.add_child(instance=page)
    revision = page.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    else:
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, user)
    return page


def import_materials(paths, library, material_type, subject=Subject.OTHER, grade=None, publish=False,
                     user=None, creators=None, access_level=None, progress=None):
    """Import every file under `paths` into `library`; return an ImportReport.

    `progress`, if given, is called after each file with (path, page_or_None, reason_or_None).
    Bad files are skipped with their reason; the rest of the batch goes on.
    """
    if material_type not in MaterialType.values:
        raise ValueError(f"Unknown material type {material_type!r}; one of {MaterialType.values}")
    report = ImportReport()
    for path in iter_files(paths):
        page = reason = None
        try:
            page = import_file(path, library, material_type, subject, grade, publish, user, creators,
                               access_level)
            report.imported.append(page)
        except SkipFile as error:
            reason = str(error)
            report.skipped.append((path, reason))
            logger.warning("Skipped %s: %s", path, reason)
        if progress is not None:
            progress(path, page, reason)
    return report
