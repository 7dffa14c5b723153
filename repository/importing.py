"""Batch import of files as materials (a librarian's digitised or in-house materials).

`import_materials(paths, library, material_type, ...)` walks files and folders, checks each file
(extension allowed, not empty, not over HOCLIEU_MAX_UPLOAD_BYTES, content matching its extension,
not already in the library by SHA-256), stores it as a MaterialFile in the library's collection and
adds a MaterialPage under the library's index page, each file in its own transaction, so one bad
file (or any error while storing it, a busy database included) never stops the batch. With
`page_sets`, the page images of each folder become one material instead (`import_page_set`,
repository.pagesets). With `publish=True` the page is published once its file is processed
(MaterialPage.publish_when_processed: a file that fails is never published, it waits in the
failed-files listing for a retry or a new version); otherwise it is submitted to the review
workflow. The media pipeline runs on each stored file in the background; `wait_for_processing`
follows it and `outcomes` tells, file by file, what became of the batch.
"""

import csv
import logging
import os
import time
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
from .models import MaterialFile, MaterialPage, ProcessingStatus
from .pagesets import PageSource, check_page_images, is_page_image_name, refusal_message, store_page_set
from .roles import library_collection
from .slugs import unique_child_slug

logger = logging.getLogger("hoclieu.import")


class SkipFile(Exception):
    """A file the import leaves out; `str()` is the reason shown to the librarian."""


@dataclass
class ImportReport:
    """What a batch import did: `imported` pages, `skipped` as (path, reason) pairs, `sources` the
    path each imported page came from (by page pk)."""

    imported: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)

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
                user=None, creators=None, access_level=None, transcript_language=None):
    """Store one file and add its MaterialPage under `library`'s index page; return the page.

    With `publish`, the page is published when its file is processed (see the module doc).
    Raises SkipFile (nothing stored) when `check_file` refuses it.
    """
    check_file(path, library)
    with open(path, "rb") as fileobj:
        material_file = MaterialFile(
            title=title_from_filename(path), collection=library_collection(library), uploaded_by_user=user
        )
        material_file.file.save(path.name, File(fileobj, name=path.name), save=False)
        material_file.save()
    return add_material(material_file, library, material_type, subject, grade, publish, user, creators,
                        access_level, transcript_language)


def add_material(material_file, library, material_type, subject=Subject.OTHER, grade=None, publish=False,
                 user=None, creators=None, access_level=None, transcript_language=None):
    """Add a MaterialPage for the stored `material_file` under `library`'s index page, titled as the
    file, with `transcript_language` (TranscriptLanguage; None: the default, Vietnamese); published
    once processed with `publish`, else submitted to the review workflow. Returns it."""
    index = library.index_page
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
        **({"transcript_language": transcript_language} if transcript_language else {}),
    )
    if publish:
        page.publish_when_processed = True
    index.add_child(instance=page)
    page.save_revision(user=user, log_action=True)
    if not publish:
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, user)
    return page


def page_set_groups(paths):
    """Split the files under `paths` for an import with page sets: yields ("set", folder, [image
    paths]) for the page images (TIFF, JPEG, PNG, by name) directly in each folder, and ("file",
    path, None) for every other file (and for files named on their own)."""
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield "file", path, None
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            names = [name for name in files if not name.startswith(".")]
            images = [Path(root) / name for name in names if is_page_image_name(name)]
            if images:
                yield "set", Path(root), images
            for name in sorted(names):
                if not is_page_image_name(name):
                    yield "file", Path(root) / name, None


def import_page_set(folder, images, library, material_type, subject=Subject.OTHER, grade=None,
                    publish=False, user=None, creators=None, access_level=None, transcript_language=None):
    """Import the page images `images` (paths) of `folder` as ONE material (repository.pagesets):
    checked, then assembled in natural order of their names into a multi-page TIFF, the images
    kept. Returns (page, refused) with refused a list of (path, reason) of images left out.
    Raises SkipFile when no image is usable or the same pages are already a file of the library."""
    sources = [PageSource(name=image.name, path=image) for image in images]
    checked = check_page_images(sources)
    refused = [(Path(folder) / source.name, reason) for source, reason in checked.refused]
    if not checked.good:
        raise SkipFile(_("Không có ảnh trang nào dùng được.") + "\n" + refusal_message(checked.refused))
    digests = []
    for source, _info in checked.good:
        with source.opened() as fileobj:
            digests.append(digest_fileobj(fileobj).sha256)
    for existing in MaterialFile.objects.filter(
        materials__library=library, page_images__position=1, page_images__sha256=digests[0]
    ).distinct():
        if list(existing.page_images.values_list("sha256", flat=True)) == digests:
            raise SkipFile(_("Trùng nội dung với bộ ảnh trang đã có: “%(title)s”.")
                           % {"title": existing.title})
    title = title_from_filename(folder.name + ".tif")
    with transaction.atomic():
        material_file = store_page_set(checked.good, library, user, title)
        page = add_material(material_file, library, material_type, subject, grade, publish, user, creators,
                            access_level, transcript_language)
    return page, refused


def import_materials(paths, library, material_type, subject=Subject.OTHER, grade=None, publish=False,
                     user=None, creators=None, access_level=None, progress=None, page_sets=False,
                     transcript_language=None):
    """Import every file under `paths` into `library`; return an ImportReport.

    With `page_sets`, the page images directly in each folder become one material
    (`import_page_set`), their bad images skipped with their reason while the good ones make it;
    the other files are imported one by one. `transcript_language` (TranscriptLanguage) is each
    material's, for the transcripts of audio and video (default Vietnamese). `progress`, if given,
    is called after each file with (path, page_or_None, reason_or_None). Bad files are skipped with
    their reason; the rest of the batch goes on.
    """
    if material_type not in MaterialType.values:
        raise ValueError(f"Unknown material type {material_type!r}; one of {MaterialType.values}")
    report = ImportReport()
    if page_sets:
        for what, path, images in page_set_groups(paths):
            if what == "set":
                _import_set(report, path, images, library, material_type, subject, grade, publish, user,
                            creators, access_level, transcript_language, progress)
            else:
                _import_one(report, path, library, material_type, subject, grade, publish, user, creators,
                            access_level, transcript_language, progress)
        return report
    for path in iter_files(paths):
        _import_one(report, path, library, material_type, subject, grade, publish, user, creators,
                    access_level, transcript_language, progress)
    return report


def _import_set(report, folder, images, library, material_type, subject, grade, publish, user, creators,
                access_level, transcript_language, progress):
    page, refused = None, []
    try:
        page, refused = import_page_set(folder, images, library, material_type, subject, grade, publish,
                                        user, creators, access_level, transcript_language)
        report.imported.append(page)
        report.sources[page.pk] = folder
    except SkipFile as error:
        report.skipped.append((folder, str(error)))
        logger.warning("Skipped page set %s: %s", folder, error)
    except Exception as error:  # anything else on one set: reported for it, the batch goes on
        logger.exception("Import of page set %s failed", folder)
        report.skipped.append((folder, _("Lỗi khi lưu bộ ảnh trang (%(error)s): %(detail)s") % {
            "error": type(error).__name__, "detail": str(error)[:200]}))
    for path, reason in refused:
        report.skipped.append((path, reason))
        logger.warning("Skipped page %s: %s", path, reason)
    if progress is not None:
        reasons = dict(refused)
        for image in images:
            progress(image, page if image not in reasons else None, reasons.get(image))


def _import_one(report, path, library, material_type, subject, grade, publish, user, creators, access_level,
                transcript_language, progress):
    page = reason = None
    try:
        page = import_file(path, library, material_type, subject, grade, publish, user, creators,
                           access_level, transcript_language)
        report.imported.append(page)
        report.sources[page.pk] = path
    except SkipFile as error:
        reason = str(error)
        report.skipped.append((path, reason))
        logger.warning("Skipped %s: %s", path, reason)
    except Exception as error:  # anything else on one file: reported for it, the batch goes on
        logger.exception("Import of %s failed", path)
        reason = _("Lỗi khi lưu tệp (%(error)s): %(detail)s") % {
            "error": type(error).__name__, "detail": str(error)[:200]}
        report.skipped.append((path, reason))
    if progress is not None:
        progress(path, page, reason)


FINISHED = (ProcessingStatus.DONE, ProcessingStatus.FAILED)


def wait_for_processing(pages, timeout=3600.0, interval=1.0, progress=None):
    """Wait until the files of `pages` (MaterialPages) are processed (done or failed), at most
    `timeout` seconds, polling every `interval` seconds. `progress`, if given, is called with the
    number of files finished whenever it changes. Returns True when all finished in time."""
    file_ids = [page.file_id for page in pages if page.file_id]
    deadline = time.monotonic() + timeout
    last = -1
    while True:
        finished = MaterialFile.objects.filter(pk__in=file_ids, processing_status__in=FINISHED).count()
        if finished != last and progress is not None:
            progress(finished)
        last = finished
        if finished >= len(file_ids):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


@dataclass
class Outcome:
    """What became of one file of a batch: `status` "imported" (processed, and published when asked),
    "skipped" (refused or not stored), "failed" (stored, processing failed), "pending" (still
    processing); `reason` for the last three; `page` and `sha256` when stored."""

    path: Path
    status: str
    reason: str = ""
    page: object = None
    sha256: str = ""


def outcomes(report):
    """One Outcome per file of `report` (an ImportReport), in the order of the batch's files, read
    from the database now."""
    files = {f.pk: f for f in MaterialFile.objects.filter(pk__in=[p.file_id for p in report.imported])}
    results = []
    for page in report.imported:
        material_file = files.get(page.file_id)
        path = report.sources.get(page.pk, page.title)
        if material_file is None:
            results.append(Outcome(Path(path), "failed", _("Tệp đã bị xoá."), page))
        elif material_file.processing_status == ProcessingStatus.DONE:
            results.append(Outcome(Path(path), "imported", "", page, material_file.sha256))
        elif material_file.processing_status == ProcessingStatus.FAILED:
            results.append(Outcome(Path(path), "failed", material_file.processing_error, page,
                                   material_file.sha256))
        else:
            results.append(Outcome(Path(path), "pending", _("Đang chờ xử lí."), page, material_file.sha256))
    results += [Outcome(Path(path), "skipped", reason) for path, reason in report.skipped]
    return results


def write_report_csv(results, destination):
    """Write `results` (Outcomes) as CSV (UTF-8 with BOM, which spreadsheet programs read as UTF-8)
    to the path `destination`: columns file, status, reason, page_id, sha256."""
    with open(destination, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "status", "reason", "page_id", "sha256"])
        for outcome in results:
            writer.writerow([outcome.path.name, outcome.status, outcome.reason,
                             outcome.page.pk if outcome.page is not None else "", outcome.sha256])
