"""Transcript corrections: a librarian's WebVTT that replaces the machine transcript of a file's bytes.

The machine transcript is a Derivative (kind "transcript", media_pipeline.speech). A correction is
kept apart from it, keyed by the SHA-256 of the bytes it transcribes, so that reprocessing (a new
machine Derivative for the same bytes, e.g. with a new model) never overwrites it: while a
correction exists for the file's current bytes, the captions track and the searchable text are the
correction's. A new original (other bytes) has no correction until someone writes one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def correction_upload_to(instance, filename):
    """Storage path of a corrected WebVTT file: derivatives/transcript_corrected/<name>."""
    return f"derivatives/transcript_corrected/{filename}"


class TranscriptCorrection(models.Model):
    """One saved correction of the transcript of `material_file`'s bytes `input_sha256`.

    `captions` is the corrected WebVTT (UTF-8, validated by media_pipeline.speech.parse_webvtt),
    `full_text` its cue texts one per line (what search indexes), `cue_count` the number of cues.
    The newest correction of the current bytes is the one in use (MaterialFile.transcript_correction);
    older ones stay as the history of who changed what.
    """

    material_file = models.ForeignKey(
        "repository.MaterialFile", verbose_name=_("tệp"), on_delete=models.CASCADE,
        related_name="transcript_corrections",
    )
    input_sha256 = models.CharField(_("SHA-256 của tệp gốc"), max_length=64)
    captions = models.FileField(_("phụ đề WebVTT đã hiệu đính"), upload_to=correction_upload_to,
                                max_length=255)
    full_text = models.TextField(_("văn bản"), blank=True)
    cue_count = models.PositiveIntegerField(_("số đoạn phụ đề"), default=0)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người hiệu đính"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    corrected_at = models.DateTimeField(_("hiệu đính lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("bản chép lời đã hiệu đính")
        verbose_name_plural = _("bản chép lời đã hiệu đính")
        ordering = ["-corrected_at", "-pk"]
        indexes = [models.Index(fields=["material_file", "input_sha256"], name="transcript_correction_idx")]

    def __str__(self):
        return f"{self.material_file_id}:{self.input_sha256[:8]} ({self.corrected_at:%Y-%m-%d %H:%M})"


def current_correction(material_file):
    """The newest TranscriptCorrection of `material_file`'s current bytes (its `sha256`), or None."""
    if not material_file.pk or not material_file.sha256:
        return None
    return TranscriptCorrection.objects.filter(
        material_file=material_file, input_sha256=material_file.sha256
    ).first()
