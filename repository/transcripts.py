"""Correcting a file's transcript: who may, what is accepted, and how it is kept.

A librarian (or the uploader) edits the WebVTT captions of an audio or video file in the admin; the
corrected WebVTT is stored as a TranscriptCorrection of the file's current bytes and from then on is
the captions track and the searchable text (repository.models.transcripts). Reprocessing makes new
machine transcripts and never touches a correction.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from media_pipeline import speech

from .models import TranscriptCorrection
from .pipeline import user_can_retry_processing

# A WebVTT of more than this many bytes (UTF-8) is refused: ten hours of dense captions are ~2 MB.
MAX_CORRECTION_BYTES = 5 * 1024 * 1024


class TranscriptInvalid(ValueError):
    """The text is not a WebVTT file Hoclieu accepts; `str()` says why, in Vietnamese."""


def user_can_correct_transcript(user, material_file):
    """True for those who may act on the file's processing: a superuser, the file's uploader and a
    librarian of a library whose material uses it (repository.pipeline.user_can_retry_processing)."""
    return user_can_retry_processing(user, material_file)


def can_have_transcript(material_file):
    """True for a file whose media kind has speech to transcribe (audio or video)."""
    return material_file.media_kind in ("audio", "video")


def current_captions_text(material_file):
    """The WebVTT text (str) now in use for `material_file`: the correction's, else the machine
    transcript's, else "" when there is none."""
    captions = material_file.transcript_vtt
    if not captions:
        return ""
    with captions.open("rb") as handle:
        return handle.read().decode("utf-8")


def normalise_webvtt(text):
    """`text` with a single "\\n" line end everywhere, no byte order mark and one final newline."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def validate_webvtt(text):
    """Check `text` (str) as a WebVTT file (the W3C WebVTT file structure, as read by
    media_pipeline.speech.parse_webvtt) and return its cues (list of speech.Cue).
    Raises TranscriptInvalid naming the line at fault, or when it is too large (MAX_CORRECTION_BYTES)."""
    if len(text.encode("utf-8")) > MAX_CORRECTION_BYTES:
        raise TranscriptInvalid(_("Phụ đề quá lớn (tối đa %(mb)d MB).")
                                % {"mb": MAX_CORRECTION_BYTES // 2**20})
    try:
        return speech.parse_webvtt(text)
    except ValueError as error:
        reason = _("Phụ đề không đúng định dạng WebVTT: %(reason)s") % {"reason": error}
        raise TranscriptInvalid(reason) from error


def save_correction(material_file, text, user):
    """Store `text` (a WebVTT str) as the corrected transcript of `material_file`'s current bytes,
    by `user`, and return the TranscriptCorrection. The search index is updated once the
    transaction commits (repository.search.signals). Raises TranscriptInvalid for a bad WebVTT and
    ValueError for a file with no stored bytes yet (no SHA-256)."""
    if not material_file.sha256:
        raise ValueError("the file has no SHA-256 yet")
    text = normalise_webvtt(text)
    cues = validate_webvtt(text)
    with transaction.atomic():
        correction = TranscriptCorrection(
            material_file=material_file, input_sha256=material_file.sha256,
            full_text="\n".join(cue.text for cue in cues), cue_count=len(cues),
            corrected_by=user if user is not None and user.is_authenticated else None,
        )
        correction.captions.save(f"{material_file.pk}-{material_file.sha256[:12]}.vtt",
                                 ContentFile(text.encode("utf-8")), save=False)
        correction.save()
    material_file.__dict__.pop("_hoclieu_derivatives", None)
    return correction
