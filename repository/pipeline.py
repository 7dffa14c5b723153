"""The media pipeline applied to MaterialFile: record a new file, process it, record the outcome, retry.

The flow (DESIGN.md "The way data flows"):

1. `record_new_file` (from the pre_save receiver in signal_handlers) streams the new original through
   the storage API to record its size (`file_size`, bytes) and `sha256`, and sets the status to
   pending. Saves that change only metadata (title, tags, collection) keep the status and results.
2. `enqueue_processing` queues `tasks.process_material_file_task` in `transaction.on_commit`, so the
   worker sees the committed row and file.
3. `process_material_file(pk)` (the task's body, callable directly) sniffs the content, checks it
   against the extension, runs media_pipeline (PDF, DOCX, PPTX, audio) on a local copy and maps the
   results onto the MaterialFile. Every failure of the input (media_pipeline.errors.MediaError) and
   every unexpected error ends as status `failed` with a Vietnamese `processing_error`; nothing is
   raised, so one bad file never stops a batch. The original is never written.
4. `retry_processing` puts a failed (or stuck pending) file back in the queue; the admin action in
   wagtail_hooks/pipeline.py calls it for the people `user_can_retry_processing` allows.
"""

import logging
import os
import tempfile
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from media_pipeline import audio, detect, office, pdf
from media_pipeline.errors import MediaError
from media_pipeline.files import digest_fieldfile, local_path

from .access import user_library_ids
from .choices import Role
from .models import MaterialFile
from .models.materials import ProcessingStatus

logger = logging.getLogger("hoclieu.pipeline")

# Fields filled by processing; cleared before each run so no result of an older file survives.
DERIVED_FIELDS = {
    "media_kind": "",
    "page_count": None,
    "full_text": "",
    "page_texts": list,
    "duration_seconds": None,
    "audio_codec": "",
    "bit_rate": None,
    "sample_rate": None,
    "channels": None,
    "chapters": list,
}
DERIVED_FILES = ("thumbnail", "stream_rendition")
STATUS_FIELDS = ["processing_status", "processing_error", "processing_attempts", "processed_at"]


def file_changed(material_file):
    """True if `material_file` is being saved with a new original (new row, new upload, new name)."""
    if not material_file.file:
        return False
    if material_file.pk is None or not getattr(material_file.file, "_committed", True):
        return True
    stored = MaterialFile.objects.filter(pk=material_file.pk).values_list("file", flat=True).first()
    return stored != material_file.file.name


def record_new_file(material_file):
    """Set `file_size` (bytes), `sha256` and a pending status on an unsaved `material_file`.

    Streams the content through the storage API (or the upload not yet stored) in 1 MiB chunks.
    Does not save.
    """
    digest = digest_fieldfile(material_file.file)
    material_file.file_size = digest.size
    material_file.sha256 = digest.sha256
    material_file.media_kind = ""
    material_file.processing_status = ProcessingStatus.PENDING
    material_file.processing_error = ""
    material_file.processing_attempts = 0
    material_file.processed_at = None


def _enqueue(material_file_id):
    from .tasks import process_material_file_task

    process_material_file_task.enqueue(material_file_id)


def enqueue_processing(material_file_id):
    """Queue processing of MaterialFile `material_file_id` once the current transaction commits.

    `robust=True`: a queue that cannot take the task is logged, it does not break the commit of the
    other files of a batch; the file then stays pending and can be retried.
    """
    transaction.on_commit(partial(_enqueue, material_file_id), robust=True)


def retry_processing(material_file):
    """Put `material_file` back in the queue: status pending, error cleared, attempts kept.

    Returns the file. Processing starts when the current transaction commits (at once in autocommit).
    """
    material_file.processing_status = ProcessingStatus.PENDING
    material_file.processing_error = ""
    material_file.save(update_fields=["processing_status", "processing_error"])
    enqueue_processing(material_file.pk)
    return material_file


def file_library_ids(material_file):
    """Libraries a file belongs to: those of the materials using it and those of its uploader."""
    ids = set(material_file.materials.exclude(library=None).values_list("library_id", flat=True))
    if material_file.uploaded_by_user_id:
        ids |= user_library_ids(material_file.uploaded_by_user)
    return ids


def user_can_retry_processing(user, material_file):
    """True for a superuser, the file's uploader and a librarian of one of `file_library_ids`."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or material_file.uploaded_by_user_id == user.pk:
        return True
    return bool(user_library_ids(user, [Role.LIBRARIAN]) & file_library_ids(material_file))


def files_for_user(user):
    """MaterialFiles whose processing `user` may follow and retry (see user_can_retry_processing)."""
    if not user.is_authenticated:
        return MaterialFile.objects.none()
    if user.is_superuser:
        return MaterialFile.objects.all()
    librarian_of = user_library_ids(user, [Role.LIBRARIAN])
    members = get_user_model().objects.filter(groups__library_role__library_id__in=librarian_of)
    return MaterialFile.objects.filter(
        Q(uploaded_by_user=user)
        | Q(materials__library_id__in=librarian_of)
        | Q(uploaded_by_user__in=members.values("pk"))
    ).distinct()


# --- processing ---------------------------------------------------------------------------------


def process_material_file(material_file_id):
    """Process MaterialFile `material_file_id` and record the outcome; return the status string.

    Returns None when the file no longer exists. Never raises for a bad file (see module doc).
    Messages are written in settings.LANGUAGE_CODE (Vietnamese) whoever triggered the run.
    """
    with translation.override(settings.LANGUAGE_CODE):
        updated = MaterialFile.objects.filter(pk=material_file_id).update(
            processing_status=ProcessingStatus.RUNNING,
            processing_attempts=F("processing_attempts") + 1,
        )
        if not updated:
            logger.info("material file %s is gone; nothing to process", material_file_id)
            return None
        material_file = MaterialFile.objects.get(pk=material_file_id)
        sha256 = material_file.sha256
        try:
            with tempfile.TemporaryDirectory(prefix="hoclieu-pipeline-") as workdir:
                results, files = _run(material_file, workdir)
                if _replaced_meanwhile(material_file_id, sha256):
                    for _name, content in files.values():
                        content.close()
                    return ProcessingStatus.PENDING
                _store(material_file, results, files, ProcessingStatus.DONE, "")
        except MediaError as error:
            logger.info("material file %s failed: %s (%s)", material_file_id, error, error.code)
            _fail(material_file_id, sha256, str(error))
        except Exception as error:  # a bug or a broken tool must not stop the batch either
            logger.exception("material file %s: unexpected error", material_file_id)
            _fail(material_file_id, sha256,
                  _("Lỗi không mong đợi khi xử lí tệp (%(error)s); báo cho quản trị viên.")
                  % {"error": type(error).__name__})
        return MaterialFile.objects.filter(pk=material_file_id).values_list(
            "processing_status", flat=True).first()


def _replaced_meanwhile(material_file_id, sha256):
    """True when a new original was saved during this run (its own task will process it)."""
    current = MaterialFile.objects.filter(pk=material_file_id).values_list("sha256", flat=True).first()
    return current != sha256


def _run(material_file, workdir):
    """Run media_pipeline on the file; return (field values, {file field: (name, File)})."""
    name = material_file.file.name
    stem = os.path.splitext(os.path.basename(name))[0]
    with local_path(material_file.file) as path:
        with open(path, "rb") as fileobj:
            fmt = detect.detect(fileobj, name)
        kind = detect.kind_of(fmt)
        # Known from here on, even if the rest fails (a truncated MP3 is still audio).
        MaterialFile.objects.filter(pk=material_file.pk).update(media_kind=kind)
        results = {"media_kind": kind}
        files = {}
        if fmt == detect.PDF:
            text = pdf.extract_text(path)
            results.update(page_count=text.page_count, page_texts=text.page_texts, full_text=text.full_text)
            files["thumbnail"] = (f"{stem}.png", ContentFile(pdf.render_thumbnail(path)))
        elif fmt == detect.DOCX:
            text = office.extract_docx(path)
            results.update(full_text=text.full_text)
        elif fmt == detect.PPTX:
            text = office.extract_pptx(path)
            results.update(page_count=text.page_count, page_texts=text.page_texts, full_text=text.full_text)
        else:
            rendition_path = os.path.join(workdir, f"{stem}.m4a")
            result = audio.process_audio(
                path, rendition_path,
                ffmpeg_cmd=settings.HOCLIEU_FFMPEG, ffprobe=settings.HOCLIEU_FFPROBE,
                bitrate=settings.HOCLIEU_STREAM_BITRATE, loudness_lufs=settings.HOCLIEU_STREAM_LOUDNESS_LUFS,
            )
            results.update(
                duration_seconds=round(result.duration, 3),
                audio_codec=result.info.codec,
                bit_rate=result.info.bit_rate,
                sample_rate=result.info.sample_rate,
                channels=result.info.channels,
                chapters=result.info.chapters,
            )
            files["stream_rendition"] = (f"{stem}.m4a", File(open(rendition_path, "rb")))
    return results, files


def _store(material_file, results, files, status, error):
    """Replace derived fields and files of `material_file` by `results`/`files`, set the status."""
    update_fields = list(STATUS_FIELDS)
    for field_name, empty in DERIVED_FIELDS.items():
        setattr(material_file, field_name, results.get(field_name, empty() if callable(empty) else empty))
        update_fields.append(field_name)
    for field_name in DERIVED_FILES:
        fieldfile = getattr(material_file, field_name)
        if fieldfile:
            fieldfile.delete(save=False)
        if field_name in files:
            filename, content = files[field_name]
            try:
                fieldfile.save(filename, content, save=False)
            finally:
                content.close()
        update_fields.append(field_name)
    material_file.processing_status = status
    material_file.processing_error = error
    material_file.processed_at = timezone.now()
    material_file.save(update_fields=update_fields)


def _fail(material_file_id, sha256, message):
    """Record a failure: derived data of the file cleared, the reason kept, the original untouched."""
    material_file = MaterialFile.objects.filter(pk=material_file_id).first()
    if material_file is None or material_file.sha256 != sha256:
        return
    _store(material_file, {"media_kind": material_file.media_kind}, {}, ProcessingStatus.FAILED, message)
