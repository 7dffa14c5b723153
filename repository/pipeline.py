"""The media pipeline applied to MaterialFile: one crash-safe task per (file, kind of derivative).

The flow (DESIGN.md "The way data flows"):

1. `record_new_file` (from the pre_save receiver in signal_handlers) streams the new original through
   the storage API to record its size (`file_size`, bytes) and `sha256`, and sets the status to
   pending. Saves that change only metadata (title, tags, collection) keep the status and results.
2. `enqueue_processing` runs `start_processing` once the transaction commits: derivatives of older
   bytes are deleted (their stored output after commit), the probe's Derivative is made (unique per
   file, kind, input SHA-256 and parameters version) and its task queued.
3. `process_derivative(file_id, kind)` (the body of tasks.process_derivative_task) claims its
   Derivative with a conditional update (pending, or running with an expired lease) and a lease it
   renews while reporting progress; runs the kind's work on a local copy with a time limit that grows
   with the file (`tool_timeout`); stores the output and findings only if it still holds the claim
   (otherwise its bytes are deleted); and updates the file's summary (`summarise`, which announces a
   change of what it says of the file: signals.material_file_summary_changed). The probe
   decides the other kinds: PDF -> text, thumbnail, page previews; DOCX/PPTX -> text and, when
   LibreOffice is set (HOCLIEU_SOFFICE), a preview PDF (media_pipeline.preview), whose pages then
   give the thumbnail and the page previews (`KINDS_AFTER_PREVIEW_PDF`); audio -> audio rendition,
   chapters and, when a speech model is set, a transcript (WebVTT captions and text,
   media_pipeline.speech); video (MP4, MOV, WebM, MKV) -> an H.264/AAC MP4 rendition, a poster,
   chapters and the transcript of its sound (media_pipeline.video). Chapters the file declares
   are read by the probe; the CHAPTERS kind takes them, or cuts a long file that has none at its
   silences (media_pipeline.chapters), and its list is the file's `chapters`;
   a page image (TIFF, JPEG, PNG; refused at the probe over HOCLIEU_OCR_MAX_PIXELS) -> OCR. The
   text decides OCR for a PDF: when a page's text is (near) empty (`pages_needing_ocr`), OCR makes a
   searchable PDF/A (media_pipeline.ocr), whose text then stands for the file's (MaterialFile
   .page_texts, hence search).
4. Failures: a fault of the file or of the set-up (media_pipeline.errors.MediaError with
   `transient` False: encrypted, corrupt, not audio, a missing tool) fails at once with its
   Vietnamese reason; a passing one (a tool that timed out or crashed, an unexpected error) goes back
   to pending and is retried after RETRY_SECONDS × 2^(attempts-1), up to MAX_ATTEMPTS runs. The
   previews (`is_preview_kind`) show their state and failure (LibreOffice missing, a document it
   cannot load) in their own rows but never hold back or fail the file, whose text, search and
   MARC do not need them. Nothing
   is raised: one bad file never stops a batch, and the original is never written.
5. `reap_expired_leases` returns derivatives whose worker died (lease expired) to pending and queues
   them again; Hoclieu's `db_worker` runs it at start and every HOCLIEU_REAP_INTERVAL seconds.
6. `retry_processing` puts a failed file's derivatives back in the queue (the admin's "Xử lí lại");
   `reprocess` does it for a kind, failed files or a library (manage.py reprocess_media).
"""

import logging
import os
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend

from media_pipeline import audio, chapters, detect, ocr, office, pdf, preview, speech, video
from media_pipeline.errors import MediaError, ToolFailed, ToolMissing
from media_pipeline.files import digest_fieldfile, local_path

from .access import user_library_ids
from .choices import Role
from .models import Derivative, DerivativeKind, DerivativeStatus, MaterialFile, MaterialPage
from .models.derivatives import current_derivative, params_version, transcript_language
from .models.materials import ProcessingStatus
from .signals import material_file_summary_changed

logger = logging.getLogger("hoclieu.pipeline")

LEASE_SECONDS = getattr(settings, "HOCLIEU_DERIVATIVE_LEASE_SECONDS", 300)
MAX_ATTEMPTS = getattr(settings, "HOCLIEU_DERIVATIVE_MAX_ATTEMPTS", 3)
RETRY_SECONDS = getattr(settings, "HOCLIEU_DERIVATIVE_RETRY_SECONDS", 30)
# Progress is written (and the lease renewed) at most this often, in seconds.
HEARTBEAT_SECONDS = 1.0

# The kinds made after the probe, by the format it found (media_pipeline.detect).
KINDS_AFTER_PROBE = {
    detect.PDF: [DerivativeKind.TEXT, DerivativeKind.THUMBNAIL, DerivativeKind.PAGE_PREVIEWS],
    detect.DOCX: [DerivativeKind.TEXT],
    detect.PPTX: [DerivativeKind.TEXT],
    **{fmt: [DerivativeKind.OCR] for fmt in detect.IMAGE_FORMATS},
}
OFFICE_FORMATS = frozenset({detect.DOCX, detect.PPTX})
# Made for DOCX/PPTX when LibreOffice is set (HOCLIEU_SOFFICE): `previews_on`.
OFFICE_PREVIEW_KINDS = [DerivativeKind.PREVIEW_PDF]
# Made for DOCX/PPTX from their finished preview PDF.
KINDS_AFTER_PREVIEW_PDF = [DerivativeKind.THUMBNAIL, DerivativeKind.PAGE_PREVIEWS]
# Kinds that never hold back or fail the file (its text, search and MARC do not need them); the
# thumbnail of a DOCX/PPTX too, made from its preview PDF (`is_preview_kind`).
PREVIEW_KINDS = frozenset({DerivativeKind.PREVIEW_PDF, DerivativeKind.PAGE_PREVIEWS})
AUDIO_KINDS = [DerivativeKind.AUDIO_RENDITION, DerivativeKind.CHAPTERS]
VIDEO_KINDS = [DerivativeKind.VIDEO_RENDITION, DerivativeKind.POSTER, DerivativeKind.CHAPTERS]
# Made for audio too when transcription is on (HOCLIEU_WHISPER_MODEL_PATH set): `transcription_on`.
SPEECH_KINDS = [DerivativeKind.TRANSCRIPT]

# Summary fields of MaterialFile copied from the probe (and the text, for slide counts).
SUMMARY_FIELDS = {
    "page_count": None,
    "duration_seconds": None,
    "audio_codec": "",
    "bit_rate": None,
    "sample_rate": None,
    "channels": None,
    "chapters": list,
}
STATUS_FIELDS = ["processing_status", "processing_error", "processing_attempts", "processed_at", "media_kind"]
# What the summary says of the file, as records describe it (MARC 300, 347, 005): a change is
# announced by signals.material_file_summary_changed.
DESCRIPTION_FIELDS = ["media_kind", "processed_at", *SUMMARY_FIELDS]


def file_changed(material_file):
    """True if `material_file` is being saved with a new original (new row, new upload, new name)."""
    if not material_file.file:
        return False
    if material_file.pk is None or not getattr(material_file.file, "_committed", True):
        return True
    stored = MaterialFile.objects.filter(pk=material_file.pk).values_list("file", flat=True).first()
    return stored != material_file.file.name


def record_new_file(material_file):
    """Set `file_size` (bytes), `sha256`, a pending status and an empty summary on an unsaved
    `material_file`. Streams the content through the storage API (or the upload not yet stored) in
    1 MiB chunks. Does not save."""
    digest = digest_fieldfile(material_file.file)
    material_file.file_size = digest.size
    material_file.sha256 = digest.sha256
    material_file.media_kind = ""
    material_file.processing_status = ProcessingStatus.PENDING
    material_file.processing_error = ""
    material_file.processing_attempts = 0
    material_file.processed_at = None
    for name, empty in SUMMARY_FIELDS.items():
        setattr(material_file, name, empty() if callable(empty) else empty)


def enqueue_processing(material_file_id):
    """Start processing MaterialFile `material_file_id` once the current transaction commits.

    `robust=True`: a queue that cannot take the task is logged, it does not break the commit of the
    other files of a batch; the derivative then stays pending and the reaper queues it again.
    """
    transaction.on_commit(partial(start_processing, material_file_id), robust=True)


def enqueue_derivative(material_file_id, kind, run_after=None):
    """Queue tasks.process_derivative_task for (`material_file_id`, `kind`), after `run_after` (a
    datetime) when the task backend can defer; at once otherwise."""
    from .tasks import process_derivative_task

    task = process_derivative_task
    if run_after is not None and default_task_backend.supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(material_file_id, str(kind))


def ensure_derivative(material_file, kind):
    """The Derivative of `kind` for `material_file`'s current bytes and parameters, made pending if
    it does not exist (safe against a concurrent maker: the unique constraint decides)."""
    key = {"material_file": material_file, "kind": kind, "input_sha256": material_file.sha256,
           "params_version": params_version(kind, material_file)}
    derivative = Derivative.objects.filter(**key).first()
    if derivative is not None:
        return derivative
    try:
        with transaction.atomic():
            return Derivative.objects.create(**key)
    except IntegrityError:
        return Derivative.objects.get(**key)


def start_processing(material_file_id):
    """Delete the derivatives of older bytes of the file, make its probe's Derivative and queue it.

    Returns the probe Derivative, or None when the file is gone or has no content yet.
    """
    material_file = MaterialFile.objects.filter(pk=material_file_id).first()
    if material_file is None or not material_file.sha256:
        return None
    for stale in Derivative.objects.filter(material_file=material_file).exclude(
        input_sha256=material_file.sha256
    ):
        stale.delete()
    probe = ensure_derivative(material_file, DerivativeKind.PROBE)
    if probe.status != DerivativeStatus.DONE:
        enqueue_derivative(material_file.pk, DerivativeKind.PROBE)
    else:
        _plan_after_probe(material_file, probe)
    return probe


def process_material_file(material_file_id):
    """Start the whole pipeline of MaterialFile `material_file_id`; return its summary status.

    With a task backend that runs at once (tests), every derivative is made before this returns;
    with the database backend the work is queued for the worker. None when the file does not exist.
    """
    if start_processing(material_file_id) is None:
        return None
    status = MaterialFile.objects.filter(pk=material_file_id).values_list("processing_status", flat=True)
    return status.first()


# --- one derivative -----------------------------------------------------------------------------


def tool_timeout(material_file, seconds_of_media=None):
    """Seconds an external tool may run on `material_file`: HOCLIEU_TOOL_TIMEOUT_BASE plus
    HOCLIEU_TOOL_TIMEOUT_PER_MIB for each MiB of the file and HOCLIEU_TOOL_TIMEOUT_PER_MEDIA_SECOND
    for each second of audio or video (`seconds_of_media`)."""
    size_mib = (material_file.file_size or 0) / (1024 * 1024)
    return (
        settings.HOCLIEU_TOOL_TIMEOUT_BASE
        + settings.HOCLIEU_TOOL_TIMEOUT_PER_MIB * size_mib
        + settings.HOCLIEU_TOOL_TIMEOUT_PER_MEDIA_SECOND * float(seconds_of_media or 0)
    )


def claim(derivative):
    """Claim `derivative` for this run: pending, or running with an expired lease, becomes running
    with a new lease and one more attempt. Returns the attempt number (the claim's token) or None
    when another run holds it or it is finished."""
    now = timezone.now()
    claimed = (
        Derivative.objects.filter(pk=derivative.pk)
        .filter(Q(status=DerivativeStatus.PENDING)
                | Q(status=DerivativeStatus.RUNNING, lease_expires_at__lt=now))
        .update(status=DerivativeStatus.RUNNING, attempts=F("attempts") + 1, progress=0,
                lease_expires_at=now + timedelta(seconds=LEASE_SECONDS), next_attempt_at=None,
                updated_at=now)
    )
    if not claimed:
        return None
    return Derivative.objects.filter(pk=derivative.pk).values_list("attempts", flat=True).first()


def _held(derivative, token):
    """The derivative as a QuerySet, only while the run with attempt number `token` holds it."""
    return Derivative.objects.filter(pk=derivative.pk, status=DerivativeStatus.RUNNING, attempts=token)


class Heartbeat:
    """Callable given to the media tools as `progress(fraction)`: writes progress (0-100) and renews
    the lease of the claimed derivative, at most every HEARTBEAT_SECONDS."""

    def __init__(self, derivative, token):
        self.derivative, self.token, self.last = derivative, token, 0.0

    def __call__(self, fraction):
        now = timezone.now()
        if now.timestamp() - self.last < HEARTBEAT_SECONDS:
            return
        self.last = now.timestamp()
        _held(self.derivative, self.token).update(
            progress=max(0, min(99, int(fraction * 100))),
            lease_expires_at=now + timedelta(seconds=LEASE_SECONDS), updated_at=now,
        )


def process_derivative(material_file_id, kind):
    """Make the Derivative of `kind` for MaterialFile `material_file_id` (see the module doc).

    Returns its status after this run ("done", "failed", "pending" when it will be retried or
    another run holds it), or None when the file or its derivative no longer exists. Never raises
    for a bad file. Messages are written in settings.LANGUAGE_CODE (Vietnamese).
    """
    with translation.override(settings.LANGUAGE_CODE):
        material_file = MaterialFile.objects.filter(pk=material_file_id).first()
        if material_file is None:
            logger.info("material file %s is gone; nothing to process", material_file_id)
            return None
        derivative = Derivative.objects.filter(
            material_file=material_file, kind=kind, input_sha256=material_file.sha256,
            params_version=params_version(kind, material_file),
        ).first()
        if derivative is None:
            return None
        token = claim(derivative)
        if token is None:
            return Derivative.objects.filter(pk=derivative.pk).values_list("status", flat=True).first()
        summarise(material_file.pk)
        try:
            with tempfile.TemporaryDirectory(prefix="hoclieu-pipeline-") as workdir:
                metadata, output = _run(material_file, derivative, workdir, Heartbeat(derivative, token))
                _finish(derivative, token, metadata, output)
        except MediaError as error:
            logger.info("material file %s %s failed: %s (%s)", material_file_id, kind, error, error.code)
            _fail(derivative, token, error)
        except Exception as error:  # a bug or a broken tool must not stop the batch either
            logger.exception("material file %s %s: unexpected error", material_file_id, kind)
            _fail(derivative, token, ToolFailed(
                _("Lỗi không mong đợi khi xử lí tệp (%(error)s); báo cho quản trị viên.")
                % {"error": type(error).__name__}))
        derivative.refresh_from_db()
        if derivative.kind == DerivativeKind.PROBE and derivative.status == DerivativeStatus.DONE:
            _plan_after_probe(material_file, derivative)
        if derivative.kind == DerivativeKind.TEXT and derivative.status == DerivativeStatus.DONE:
            _plan_after_text(material_file, derivative)
        if derivative.kind == DerivativeKind.PREVIEW_PDF and derivative.status == DerivativeStatus.DONE:
            _plan_after_preview_pdf(material_file)
        summarise(material_file.pk)
        return derivative.status


def _plan_after_probe(material_file, probe):
    fmt = probe.metadata.get("format")
    for kind in kinds_for_format(fmt):
        derivative = ensure_derivative(material_file, kind)
        if derivative.status == DerivativeStatus.PENDING:
            enqueue_derivative(material_file.pk, kind)
    text = current_derivative(material_file, DerivativeKind.TEXT)
    if text is not None:
        _plan_after_text(material_file, text)
    if current_derivative(material_file, DerivativeKind.PREVIEW_PDF) is not None:
        _plan_after_preview_pdf(material_file)


def _plan_after_preview_pdf(material_file):
    """Queue the thumbnail and page previews of a DOCX/PPTX whose preview PDF is done, and its
    signature when a material using it was approved before the preview was made
    (repository.signatures.request_signature_after_preview)."""
    from .signatures import request_signature_after_preview

    for kind in KINDS_AFTER_PREVIEW_PDF:
        derivative = ensure_derivative(material_file, kind)
        if derivative.status == DerivativeStatus.PENDING:
            enqueue_derivative(material_file.pk, kind)
    request_signature_after_preview(material_file)


def _plan_after_text(material_file, text):
    """Queue OCR of a PDF whose text (the finished TEXT derivative `text`) has pages without text."""
    if not needs_ocr(material_file, text):
        return
    derivative = ensure_derivative(material_file, DerivativeKind.OCR)
    if derivative.status == DerivativeStatus.PENDING:
        enqueue_derivative(material_file.pk, DerivativeKind.OCR)


def transcription_on():
    """True when a speech model is set (HOCLIEU_WHISPER_MODEL_PATH): audio then gets a transcript."""
    return bool(settings.HOCLIEU_WHISPER_MODEL_PATH)


def previews_on():
    """True when LibreOffice is set (HOCLIEU_SOFFICE): DOCX and PPTX then get a preview PDF."""
    return bool(settings.HOCLIEU_SOFFICE)


def kinds_for_format(fmt):
    """The kinds made after the probe for format `fmt` (a media_pipeline.detect constant)."""
    if fmt in OFFICE_FORMATS:
        return KINDS_AFTER_PROBE[fmt] + (OFFICE_PREVIEW_KINDS if previews_on() else [])
    if fmt in detect.AUDIO_FORMATS:
        return AUDIO_KINDS + (SPEECH_KINDS if transcription_on() else [])
    if fmt in detect.VIDEO_FORMATS:
        return VIDEO_KINDS + (SPEECH_KINDS if transcription_on() else [])
    return KINDS_AFTER_PROBE.get(fmt, [])


def refresh_transcript(material_file):
    """Queue the transcript of `material_file` (audio or video, its probe done, transcription on)
    when none exists for its current parameters, e.g. after its material's transcript language
    changed (models.derivatives.params_version). Returns the Derivative queued, or None. A
    librarian's correction is not touched: it stays the captions track (models.transcripts)."""
    if not transcription_on() or not material_file.sha256:
        return None
    probe = current_probe(material_file)
    fmt = probe.metadata.get("format") if probe else None
    if DerivativeKind.TRANSCRIPT not in kinds_for_format(fmt):
        return None
    derivative = ensure_derivative(material_file, DerivativeKind.TRANSCRIPT)
    if derivative.status != DerivativeStatus.PENDING or derivative.attempts:
        return None
    transaction.on_commit(partial(enqueue_derivative, material_file.pk, DerivativeKind.TRANSCRIPT),
                          robust=True)
    return derivative


def pages_needing_ocr(page_texts, min_chars=None, image_coverage=None, min_coverage=None):
    """1-based numbers of the scanned pages of `page_texts` (list of str): fewer than `min_chars`
    (default HOCLIEU_OCR_MIN_CHARS_PER_PAGE) non-blank characters (none, or only a stamp or a page
    number) on a page mostly under images: `image_coverage[i]` (share of page i+1's area, from the
    TEXT derivative) at least `min_coverage` (default HOCLIEU_OCR_MIN_IMAGE_COVERAGE). A short page
    of real text ("Phiếu bài tập số 1") or a blank page is not a scan. Without `image_coverage`
    (text extracted before it was recorded), the characters alone decide."""
    if min_chars is None:
        min_chars = settings.HOCLIEU_OCR_MIN_CHARS_PER_PAGE
    if min_coverage is None:
        min_coverage = settings.HOCLIEU_OCR_MIN_IMAGE_COVERAGE
    pages = []
    for number, text in enumerate(page_texts, start=1):
        if len("".join(text.split())) >= min_chars:
            continue
        if image_coverage and len(image_coverage) >= number and image_coverage[number - 1] < min_coverage:
            continue
        pages.append(number)
    return pages


def text_pages_needing_ocr(text):
    """`pages_needing_ocr` of a finished TEXT Derivative `text` (its page texts and image coverage)."""
    return pages_needing_ocr(text.metadata.get("page_texts", []),
                             image_coverage=text.metadata.get("image_coverage"))


def needs_ocr(material_file, text):
    """True if `material_file`, a PDF whose finished TEXT derivative is `text`, has a page needing
    OCR (`pages_needing_ocr`)."""
    probe = current_probe(material_file)
    return ocr_expected(probe.metadata.get("format") if probe else None, text)


def ocr_expected(fmt, text):
    """True when a file of format `fmt` (a media_pipeline.detect constant) whose finished TEXT
    Derivative is `text` (or None) needs OCR: a PDF with scanned pages (`text_pages_needing_ocr`)."""
    return fmt == detect.PDF and text is not None and bool(text_pages_needing_ocr(text))


def ocr_mode(page_texts, pages):
    """How ocrmypdf treats a PDF whose pages `pages` (1-based) need OCR: ocr.SKIP_TEXT when those
    pages have no text at all (pages with text are kept; the others are deskewed and read), else
    ocr.REDO_OCR (a few characters, e.g. a stamp, would make --skip-text pass the page by)."""
    if any(page_texts[number - 1].strip() for number in pages):
        return ocr.REDO_OCR
    return ocr.SKIP_TEXT


def ocr_timeout(material_file, pages):
    """Seconds ocrmypdf may run on `material_file` of `pages` pages: `tool_timeout` (base and size)
    plus HOCLIEU_OCR_TIMEOUT_PER_PAGE a page."""
    return tool_timeout(material_file) + settings.HOCLIEU_OCR_TIMEOUT_PER_PAGE * max(1, pages or 1)


def _run(material_file, derivative, workdir, heartbeat):
    """The work of one kind on a local copy of the original: (metadata dict, (file name, File) or
    None). Raises MediaError for a file that cannot be processed."""
    name = material_file.file.name
    stem = os.path.splitext(os.path.basename(name))[0]
    kind = derivative.kind
    with local_path(material_file.file) as path:
        if kind == DerivativeKind.SIGNED_PDF:  # on final approval only (repository.signatures)
            from .signatures import make_signed_pdf

            return make_signed_pdf(material_file, derivative, path, workdir)
        if kind == DerivativeKind.PROBE:
            with open(path, "rb") as fileobj:
                fmt = detect.detect(fileobj, name)
            media_kind = detect.kind_of(fmt)
            # Known from here on, even if a later kind fails (a truncated MP3 is still audio).
            MaterialFile.objects.filter(pk=material_file.pk).update(media_kind=media_kind)
            metadata = {"format": fmt, "media_kind": media_kind}
            if fmt == detect.PDF:
                document = pdf.open_pdf(path)
                try:
                    metadata["page_count"] = len(document)
                finally:
                    document.close()
            elif fmt in detect.IMAGE_FORMATS:
                # The pixel limit refuses an image bomb here, before anything decodes it.
                image = ocr.inspect_image(path, max_pixels=settings.HOCLIEU_OCR_MAX_PIXELS)
                metadata.update(page_count=image.frames, width=image.width, height=image.height,
                                dpi=list(image.dpi) if image.dpi else None)
            elif fmt in detect.AUDIO_FORMATS:
                info = audio.probe(path, ffprobe=settings.HOCLIEU_FFPROBE,
                                   timeout=tool_timeout(material_file))
                metadata.update(
                    duration_seconds=info.duration, audio_codec=info.codec, bit_rate=info.bit_rate,
                    sample_rate=info.sample_rate, channels=info.channels, chapters=info.chapters,
                )
            elif fmt in detect.VIDEO_FORMATS:
                info = video.probe(path, ffprobe=settings.HOCLIEU_FFPROBE,
                                   timeout=tool_timeout(material_file))
                metadata.update(
                    duration_seconds=info.duration, audio_codec=info.audio_codec, bit_rate=info.bit_rate,
                    sample_rate=info.sample_rate, channels=info.channels, chapters=info.chapters,
                    video_codec=info.video_codec, width=info.display_width, height=info.display_height,
                    rotation=info.rotation, frame_rate=info.frame_rate, has_audio=info.has_audio,
                )
            return metadata, None
        probe = current_probe(material_file)
        fmt = probe.metadata.get("format") if probe else None
        if kind == DerivativeKind.TEXT:
            if fmt == detect.PDF:
                text = pdf.extract_text(path, progress=heartbeat)
            elif fmt == detect.DOCX:
                text = office.extract_docx(path)
            else:
                text = office.extract_pptx(path)
            found = {"page_count": getattr(text, "page_count", None),
                     "page_texts": getattr(text, "page_texts", []), "full_text": text.full_text}
            if fmt == detect.PDF:
                found["image_coverage"] = text.image_coverage
            return found, None
        if kind == DerivativeKind.PREVIEW_PDF:
            if not previews_on():  # turned off, yet asked for (reprocess_media --kind preview_pdf)
                raise ToolMissing(tool="LibreOffice (HOCLIEU_SOFFICE)")
            result = preview.convert_to_pdf(
                path, os.path.join(workdir, f"{stem}.pdf"), soffice=settings.HOCLIEU_SOFFICE,
                timeout=tool_timeout(material_file), progress=heartbeat,
            )
            metadata = {"page_count": result.page_count, "seconds": round(result.seconds, 3)}
            return metadata, (f"{stem}.pdf", File(open(result.path, "rb")))
        if kind in (DerivativeKind.THUMBNAIL, DerivativeKind.PAGE_PREVIEWS):
            with _pdf_to_draw(material_file, fmt, path) as (source, pdf_path):
                if kind == DerivativeKind.THUMBNAIL:
                    return {"source": source}, (f"{stem}.png", ContentFile(pdf.render_thumbnail(pdf_path)))
                return _run_page_previews(pdf_path, source, stem)
        if kind == DerivativeKind.AUDIO_RENDITION:
            rendition_path = os.path.join(workdir, f"{stem}.m4a")
            info = audio.probe(path, ffprobe=settings.HOCLIEU_FFPROBE, timeout=tool_timeout(material_file))
            result = audio.process_audio(
                path, rendition_path, ffmpeg_cmd=settings.HOCLIEU_FFMPEG, ffprobe=settings.HOCLIEU_FFPROBE,
                bitrate=settings.HOCLIEU_STREAM_BITRATE, loudness_lufs=settings.HOCLIEU_STREAM_LOUDNESS_LUFS,
                timeout=tool_timeout(material_file, info.duration), progress=heartbeat, info=info,
            )
            output = (f"{stem}.m4a", File(open(rendition_path, "rb")))
            return {"duration_seconds": round(result.duration, 3)}, output
        if kind == DerivativeKind.OCR:
            return _run_ocr(material_file, probe, path, os.path.join(workdir, f"{stem}.pdf"), heartbeat)
        if kind == DerivativeKind.TRANSCRIPT:
            return _run_transcript(material_file, probe, path, stem, heartbeat)
        if kind == DerivativeKind.VIDEO_RENDITION:
            rendition_path = os.path.join(workdir, f"{stem}.mp4")
            info = video.probe(path, ffprobe=settings.HOCLIEU_FFPROBE, timeout=tool_timeout(material_file))
            rendition = video.make_rendition(
                path, rendition_path, info=info, ffmpeg_cmd=settings.HOCLIEU_FFMPEG,
                ffprobe=settings.HOCLIEU_FFPROBE, timeout=video_timeout(material_file, info.duration),
                progress=heartbeat,
            )
            metadata = {"duration_seconds": rendition.duration, "width": rendition.width,
                        "height": rendition.height, "video_codec": rendition.video_codec,
                        "audio_codec": rendition.audio_codec, "bit_rate": rendition.bit_rate}
            return metadata, (f"{stem}.mp4", File(open(rendition_path, "rb")))
        if kind == DerivativeKind.POSTER:
            poster_path = os.path.join(workdir, f"{stem}.jpg")
            info = video.probe(path, ffprobe=settings.HOCLIEU_FFPROBE, timeout=tool_timeout(material_file))
            width, height = video.make_poster(path, poster_path, info=info,
                                              ffmpeg_cmd=settings.HOCLIEU_FFMPEG,
                                              timeout=tool_timeout(material_file))
            metadata = {"width": width, "height": height, "at_seconds": video.poster_time(info.duration)}
            return metadata, (f"{stem}.jpg", File(open(poster_path, "rb")))
        if kind == DerivativeKind.CHAPTERS:
            return _run_chapters(material_file, probe, path, heartbeat), None
    raise ValueError(f"unknown derivative kind {kind!r}")


@contextmanager
def _pdf_to_draw(material_file, fmt, path):
    """Yield ("original", `path`) for a PDF, ("preview_pdf", a local path of its finished preview
    PDF) for a DOCX/PPTX. Raises MediaError when a DOCX/PPTX has no preview PDF yet."""
    if fmt not in OFFICE_FORMATS:
        yield "original", path
        return
    made = current_derivative(material_file, DerivativeKind.PREVIEW_PDF)
    if made is None or not made.output:
        raise MediaError(_("Tệp chưa có bản xem trước PDF (LibreOffice) để vẽ trang."))
    with local_path(made.output) as preview_path:
        yield "preview_pdf", preview_path


def _run_page_previews(pdf_path, source, stem):
    """Page previews of the PDF at `pdf_path` (media_pipeline.preview.render_pages, pages and width
    from HOCLIEU_PREVIEW_PAGES and HOCLIEU_PREVIEW_WIDTH): (metadata, ("<stem>-pages.zip", the ZIP
    of WebP images))."""
    result = preview.render_pages(pdf_path, pages=settings.HOCLIEU_PREVIEW_PAGES,
                                  width=settings.HOCLIEU_PREVIEW_WIDTH)
    metadata = {"page_count": result.page_count, "source": source,
                "pages": [{"number": image.number, "width": image.width, "height": image.height}
                          for image in result.images]}
    return metadata, (f"{stem}-pages.zip", ContentFile(preview.write_page_archive(result)))


def _run_ocr(material_file, probe, path, output_path, heartbeat):
    """OCR of the scan at `path` (a PDF whose TEXT is done, or a page image) into a searchable PDF/A
    at `output_path`: (metadata, (file name, File))."""
    fmt = probe.metadata.get("format") if probe else None
    image = fmt in detect.IMAGE_FORMATS
    if image:
        pages = probe.metadata.get("page_count") or 1
        ocr_pages, mode = list(range(1, pages + 1)), ocr.SKIP_TEXT
    else:
        text = current_derivative(material_file, DerivativeKind.TEXT)
        page_texts = text.metadata.get("page_texts", []) if text else []
        pages = len(page_texts) or probe.metadata.get("page_count") or 1
        ocr_pages = text_pages_needing_ocr(text) if text else list(range(1, pages + 1))
        mode = ocr_mode(page_texts, ocr_pages) if text else ocr.SKIP_TEXT
    timeout = ocr_timeout(material_file, len(ocr_pages))
    result = ocr.make_searchable_pdf(
        path, output_path, image=image, mode=mode, languages=settings.HOCLIEU_OCR_LANGUAGES,
        ocrmypdf=settings.HOCLIEU_OCRMYPDF, timeout=timeout, max_pixels=settings.HOCLIEU_OCR_MAX_PIXELS,
        jobs=settings.HOCLIEU_OCR_JOBS or None, progress=heartbeat,
        expected_seconds=5.0 * len(ocr_pages),
    )
    metadata = {
        "page_count": result.page_count, "page_texts": result.page_texts, "full_text": result.full_text,
        "ocr_pages": ocr_pages, "mode": result.mode, "pdfa": result.pdfa,
        "languages": settings.HOCLIEU_OCR_LANGUAGES, "seconds": round(result.seconds, 3),
    }
    stem = os.path.splitext(os.path.basename(material_file.file.name))[0]
    return metadata, (f"{stem}.pdf", File(open(output_path, "rb")))


def video_timeout(material_file, duration):
    """Seconds ffmpeg may take for the video rendition of `material_file` of `duration` seconds:
    `tool_timeout` plus HOCLIEU_VIDEO_TIMEOUT_PER_MEDIA_SECOND for each second of video."""
    return tool_timeout(material_file, duration) + (
        settings.HOCLIEU_VIDEO_TIMEOUT_PER_MEDIA_SECOND * float(duration or 0))


def _run_chapters(material_file, probe, path, heartbeat):
    """Chapters of the audio or video at `path` (media_pipeline.chapters.find_chapters): those the
    probe read from the file, else parts cut at silences of a long file. Returns the metadata
    {"chapters": [{"title", "start", "end"}, ...], "source": "embedded" | "silence" | "none"}."""
    found = probe.metadata if probe else {}
    duration = found.get("duration_seconds")
    result, source = chapters.find_chapters(
        path, embedded=found.get("chapters") or [], duration=duration,
        has_audio=found.get("has_audio", True), ffmpeg_cmd=settings.HOCLIEU_FFMPEG,
        timeout=tool_timeout(material_file, duration), progress=heartbeat,
    )
    return {"chapters": result, "source": source}


def _run_transcript(material_file, probe, path, stem, heartbeat):
    """Transcript of the audio at `path` (media_pipeline.speech) in the material's transcript
    language (models.derivatives.transcript_language; "auto": Whisper detects it, on the first
    chunk): (metadata, ("<stem>.vtt", the WebVTT captions)); the metadata's "language" is the
    ISO 639-1 code used or detected, "language_requested" the material's choice. A file with no
    speech, or a video with no sound track, gives an empty transcript (a header-only WebVTT)."""
    duration = probe.metadata.get("duration_seconds") if probe else None
    if probe is not None and probe.metadata.get("has_audio") is False:
        metadata = {"full_text": "", "language": "", "language_probability": 0.0, "cue_count": 0,
                    "duration_seconds": duration, "seconds": 0.0, "real_time_factor": 0.0, "device": "",
                    "compute_type": "", "chunks": 0, "model": "", "no_audio": True}
        return metadata, (f"{stem}.vtt", ContentFile(speech.to_webvtt([]).encode("utf-8")))
    timeout = tool_timeout(material_file, duration) + (
        settings.HOCLIEU_WHISPER_TIMEOUT_PER_MEDIA_SECOND * float(duration or 0))
    requested = transcript_language(material_file)
    result = speech.transcribe(
        path, model_path=settings.HOCLIEU_WHISPER_MODEL_PATH,
        language=None if requested == "auto" else requested, duration=duration,
        cpu_threads=settings.HOCLIEU_WHISPER_CPU_THREADS, ffmpeg_cmd=settings.HOCLIEU_FFMPEG,
        timeout=timeout, progress=heartbeat,
    )
    metadata = {
        "full_text": result.text, "language": result.language, "language_requested": requested,
        "language_probability": round(result.language_probability, 3), "cue_count": len(result.cues),
        "duration_seconds": round(result.duration, 3), "seconds": round(result.seconds, 3),
        "real_time_factor": round(result.real_time_factor, 3), "device": result.device,
        "compute_type": result.compute_type, "chunks": result.chunks,
        "model": os.path.basename(os.path.normpath(settings.HOCLIEU_WHISPER_MODEL_PATH)),
    }
    return metadata, (f"{stem}.vtt", ContentFile(result.vtt.encode("utf-8")))


def _finish(derivative, token, metadata, output):
    """Store the output and findings if this run still holds the claim; else discard its bytes."""
    stored_name = ""
    if output is not None:
        filename, content = output
        try:
            stored_name = derivative.output.storage.save(
                derivative.output.field.generate_filename(derivative, filename), content
            )
        finally:
            content.close()
    previous = Derivative.objects.filter(pk=derivative.pk).values_list("output", flat=True).first() or ""
    now = timezone.now()
    finished = _held(derivative, token).update(
        status=DerivativeStatus.DONE, progress=100, metadata=metadata, output=stored_name, error="",
        error_code="", permanent=False, lease_expires_at=None, finished_at=now, updated_at=now,
    )
    if not finished:
        if stored_name:
            derivative.output.storage.delete(stored_name)
        return
    if previous and previous != stored_name:
        derivative.output.storage.delete(previous)
    # Older parameters versions of the same kind and bytes are superseded.
    for superseded in Derivative.objects.filter(
        material_file_id=derivative.material_file_id, kind=derivative.kind,
        input_sha256=derivative.input_sha256,
    ).exclude(pk=derivative.pk):
        superseded.delete()


def _fail(derivative, token, error):
    """Record `error` (a MediaError): a passing one goes back to pending with a later retry while
    attempts remain; any other fails the derivative, the reason kept for people."""
    now = timezone.now()
    retry = error.transient and token < MAX_ATTEMPTS
    run_after = now + timedelta(seconds=RETRY_SECONDS * 2 ** (token - 1)) if retry else None
    updated = _held(derivative, token).update(
        status=DerivativeStatus.PENDING if retry else DerivativeStatus.FAILED,
        error=str(error), error_code=error.code, permanent=not error.transient, lease_expires_at=None,
        next_attempt_at=run_after, finished_at=None if retry else now, updated_at=now,
    )
    if updated and retry:
        summarise(derivative.material_file_id)
        enqueue_derivative(derivative.material_file_id, derivative.kind, run_after=run_after)


# --- the file's summary -------------------------------------------------------------------------


def current_derivatives(material_file):
    """QuerySet of `material_file`'s derivatives for its current bytes and current parameters."""
    q = Q()
    for kind in DerivativeKind.values:
        q |= Q(kind=kind, params_version=params_version(kind, material_file))
    return Derivative.objects.filter(q, material_file=material_file, input_sha256=material_file.sha256)


def processing_steps(material_file):
    """What the pipeline does with `material_file` now, for the admin: a list of
    (kind, Derivative or None) in pipeline order, the probe first, then the kinds its format calls
    for (KINDS_AFTER_PROBE, AUDIO_KINDS, VIDEO_KINDS, previews) once the probe is done. A kind not started
    yet has None."""
    by_kind = {d.kind: d for d in current_derivatives(material_file).order_by("pk")}
    probe = by_kind.get(DerivativeKind.PROBE)
    kinds = [DerivativeKind.PROBE, *(_kinds_for(probe) if probe is not None else [])]
    kinds += [kind for kind in DerivativeKind.values if kind in by_kind and kind not in kinds]
    return [(DerivativeKind(kind), by_kind.get(kind)) for kind in kinds]


def current_probe(material_file):
    """The finished probe Derivative of `material_file`'s current bytes, or None."""
    return current_derivative(material_file, DerivativeKind.PROBE)


def summarise(material_file_id):
    """Write MaterialFile `material_file_id`'s summary from its current derivatives: the aggregate
    status (failed > running > pending > done), the first error (probe first), the most attempts of
    any kind, the last finish time and the probe's findings (cleared when the file failed). Saved
    with update_fields, so the search index hears of a file that is done; when DESCRIPTION_FIELDS
    changed, signals.material_file_summary_changed is sent after the save."""
    material_file = MaterialFile.objects.filter(pk=material_file_id).first()
    if material_file is None:
        return None
    described = {name: getattr(material_file, name) for name in DESCRIPTION_FIELDS}
    # The signed copy (made on approval, repository.signatures) is not processing of the upload: its
    # failure (a token not plugged in) shows in its own row, it does not fail the file.
    signed_apart = current_derivatives(material_file).exclude(kind=DerivativeKind.SIGNED_PDF)
    derivatives = {d.kind: d for d in signed_apart}
    probe = derivatives.get(DerivativeKind.PROBE)
    fmt = probe.metadata.get("format") if probe else None
    # The previews are not needed by the file's text, search or MARC: their state and failure (no
    # LibreOffice) show in their own rows, they never hold the file back or fail it.
    counted = {kind: d for kind, d in derivatives.items() if not is_preview_kind(kind, fmt)}
    statuses = {d.status for d in counted.values()}
    if not counted:
        status = ProcessingStatus.PENDING
    elif DerivativeStatus.FAILED in statuses:
        status = ProcessingStatus.FAILED
    elif DerivativeStatus.RUNNING in statuses:
        status = ProcessingStatus.RUNNING
    elif DerivativeStatus.PENDING in statuses:
        status = ProcessingStatus.PENDING
    else:
        expected = {DerivativeKind.PROBE, *kinds_for_format(fmt)}
        if ocr_expected(fmt, derivatives.get(DerivativeKind.TEXT)):
            expected.add(DerivativeKind.OCR)
        expected = {kind for kind in expected if not is_preview_kind(kind, fmt)}
        status = ProcessingStatus.DONE if expected <= set(counted) else ProcessingStatus.PENDING
    order = list(DerivativeKind.values)
    failed = sorted((d for d in counted.values() if d.status == DerivativeStatus.FAILED),
                    key=lambda d: order.index(d.kind))
    material_file.processing_status = status
    material_file.processing_error = failed[0].error if failed else ""
    material_file.processing_attempts = max((d.attempts for d in counted.values()), default=0)
    finished = [d.finished_at for d in counted.values() if d.finished_at]
    material_file.processed_at = max(finished) if finished else None
    found = dict(probe.metadata) if probe is not None and probe.status == DerivativeStatus.DONE else {}
    found_chapters = derivatives.get(DerivativeKind.CHAPTERS)
    if found_chapters is not None and found_chapters.status == DerivativeStatus.DONE:
        found["chapters"] = found_chapters.metadata.get("chapters", [])
    text = derivatives.get(DerivativeKind.TEXT)
    if text is not None and text.status == DerivativeStatus.DONE and not found.get("page_count"):
        found["page_count"] = text.metadata.get("page_count")
    if "media_kind" in found:
        material_file.media_kind = found["media_kind"]
    for name, empty in SUMMARY_FIELDS.items():
        value = found.get(name) if status != ProcessingStatus.FAILED else None
        setattr(material_file, name, value if value is not None else (empty() if callable(empty) else empty))
    if material_file.duration_seconds is not None:
        material_file.duration_seconds = round(material_file.duration_seconds, 3)
    material_file.save(update_fields=STATUS_FIELDS + list(SUMMARY_FIELDS))
    changed = frozenset(name for name, value in described.items() if getattr(material_file, name) != value)
    if changed:
        material_file_summary_changed.send(sender=MaterialFile, material_file=material_file, changed=changed)
    if status == ProcessingStatus.DONE:
        publish_waiting_materials(material_file)
    return status


def is_preview_kind(kind, fmt):
    """True for a kind that does not count in the status of a file of format `fmt` (`summarise`):
    PREVIEW_KINDS, and the thumbnail of a DOCX/PPTX (drawn from its preview PDF)."""
    return kind in PREVIEW_KINDS or (kind == DerivativeKind.THUMBNAIL and fmt in OFFICE_FORMATS)


def preview_pdf_done(fmt, preview_pdf):
    """True when a file of format `fmt` is a DOCX/PPTX whose PREVIEW_PDF Derivative `preview_pdf`
    (or None) is done: its thumbnail and page previews are then expected."""
    return fmt in OFFICE_FORMATS and preview_pdf is not None and preview_pdf.status == DerivativeStatus.DONE


def publish_waiting_materials(material_file):
    """Publish the materials that wait for `material_file` to be processed (a batch import with
    --publish: MaterialPage.publish_when_processed), each from its latest revision, as its owner.
    A material whose file failed is never published this way: it waits for a retry or a new file."""
    for page in MaterialPage.objects.filter(file=material_file, publish_when_processed=True):
        MaterialPage.objects.filter(pk=page.pk).update(publish_when_processed=False)
        revision = page.get_latest_revision()
        if revision is not None:
            revision.publish(user=page.owner)
            logger.info("published material %s now that its file is processed", page.pk)


# --- recovery, retry, reprocessing --------------------------------------------------------------


def reap_expired_leases(now=None):
    """Return to pending, and queue again, every derivative whose run's lease expired (its worker
    died).

    Returns the list of (material_file_id, kind) queued. Safe to run from several workers at once:
    the update is conditional, and a derivative queued twice runs once (`claim`). A pending
    derivative is not queued again here (it may simply wait its turn in a long queue); one whose
    task was lost shows in the failed-files listing (`stuck_files`) and "Xử lí lại" queues it.
    """
    now = now or timezone.now()
    requeued = []
    expired = Derivative.objects.filter(status=DerivativeStatus.RUNNING, lease_expires_at__lt=now)
    for derivative in expired:
        reset = Derivative.objects.filter(
            pk=derivative.pk, status=DerivativeStatus.RUNNING, lease_expires_at__lt=now
        ).update(status=DerivativeStatus.PENDING, lease_expires_at=None, updated_at=now)
        if reset:
            requeued.append((derivative.material_file_id, derivative.kind))
    for material_file_id, kind in requeued:
        logger.info("requeued %s of material file %s", kind, material_file_id)
        summarise(material_file_id)
        enqueue_derivative(material_file_id, kind)
    return requeued


def retry_processing(material_file):
    """Put `material_file`'s failed derivatives, and those a dead worker left running, back in the
    queue (attempts kept), or start its pipeline when it has none. Returns the file. Queued when the
    current transaction commits."""
    now = timezone.now()
    stale = now - timedelta(seconds=LEASE_SECONDS)
    failed = list(current_derivatives(material_file).filter(
        Q(status=DerivativeStatus.FAILED)
        | Q(status=DerivativeStatus.RUNNING, lease_expires_at__lt=now)
        | Q(status=DerivativeStatus.PENDING, updated_at__lt=stale, next_attempt_at__isnull=True)
    ))
    for derivative in failed:
        Derivative.objects.filter(pk=derivative.pk).update(
            status=DerivativeStatus.PENDING, error="", error_code="", permanent=False, updated_at=now
        )
    material_file.processing_status = ProcessingStatus.PENDING
    material_file.processing_error = ""
    material_file.save(update_fields=["processing_status", "processing_error"])
    if failed:
        for derivative in failed:
            transaction.on_commit(partial(enqueue_derivative, material_file.pk, derivative.kind), robust=True)
    else:
        enqueue_processing(material_file.pk)
    return material_file


def reprocess(material_files, kind=None, failed_only=False):
    """Queue the work again for each of `material_files` (an iterable of MaterialFile): every kind,
    or only `kind`; with `failed_only`, only what failed. Returns the number of derivatives queued.

    A kind whose parameters changed gets a new Derivative (its current version); the old version's
    output stays served until the new one is done, then is deleted (`_finish`).
    """
    queued = 0
    for material_file in material_files:
        if not material_file.sha256:
            continue
        probe = ensure_derivative(material_file, DerivativeKind.PROBE)
        kinds = [kind] if kind else [DerivativeKind.PROBE, *_kinds_for(probe)]
        for each in kinds:
            derivative = ensure_derivative(material_file, each)
            if failed_only and derivative.status != DerivativeStatus.FAILED:
                continue
            if derivative.status in (DerivativeStatus.DONE, DerivativeStatus.FAILED):
                Derivative.objects.filter(pk=derivative.pk).update(
                    status=DerivativeStatus.PENDING, error="", error_code="", permanent=False,
                    updated_at=timezone.now(),
                )
            if derivative.status != DerivativeStatus.RUNNING:
                enqueue_derivative(material_file.pk, each)
                queued += 1
        summarise(material_file.pk)
    return queued


def _kinds_for(probe):
    """The kinds after `probe` (a Derivative): those of its format, OCR for a PDF whose finished
    text has pages needing it, the thumbnail and page previews of a DOCX/PPTX whose preview PDF is
    done."""
    fmt = probe.metadata.get("format") if probe.status == DerivativeStatus.DONE else None
    kinds = list(kinds_for_format(fmt))
    text = current_derivative(probe.material_file, DerivativeKind.TEXT) if fmt == detect.PDF else None
    if ocr_expected(fmt, text):
        kinds.append(DerivativeKind.OCR)
    made = None
    if fmt in OFFICE_FORMATS:
        made = current_derivative(probe.material_file, DerivativeKind.PREVIEW_PDF)
    if preview_pdf_done(fmt, made):
        kinds.extend(KINDS_AFTER_PREVIEW_PDF)
    return kinds


def delete_output_after_commit(sender, instance, **kwargs):
    """post_delete of Derivative: delete its stored output once the deletion is committed (nothing
    is deleted if the transaction rolls back)."""
    if instance.output:
        storage, name = instance.output.storage, instance.output.name
        transaction.on_commit(partial(storage.delete, name), robust=True)


post_delete.connect(delete_output_after_commit, sender=Derivative, dispatch_uid="hoclieu_derivative_output")


# --- who may follow and retry -------------------------------------------------------------------


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


def stuck_files(queryset=None):
    """MaterialFiles (of `queryset`, default all) with a derivative running past its lease or
    pending past a lease without a scheduled retry: what a dead worker left behind."""
    now = timezone.now()
    stale = now - timedelta(seconds=LEASE_SECONDS)
    stuck = Derivative.objects.filter(
        Q(status=DerivativeStatus.RUNNING, lease_expires_at__lt=now)
        | Q(status=DerivativeStatus.PENDING, updated_at__lt=stale, next_attempt_at__isnull=True)
    ).values("material_file_id")
    base = queryset if queryset is not None else MaterialFile.objects.all()
    return base.filter(pk__in=stuck)

