"""Derivatives: what the media pipeline makes of one stored original, one record per kind of work.

A Derivative is unique per (file, kind, input SHA-256, parameters version): the same bytes processed
with the same parameters are never processed twice, a new original (new SHA-256) or new parameters
(e.g. a new loudness target, which changes the audio rendition's parameters version) make a new
record of that kind only. The run that makes it claims it with a conditional update and holds a
lease (`lease_expires_at`) it renews while working; a lease left to expire by a worker that died is
returned to pending by the reaper (repository.pipeline.reap_expired_leases).
"""

import hashlib
import json
import os

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from media_pipeline import chapters, pdf, preview, speech, video


class DerivativeKind(models.TextChoices):
    """Kinds of work on an original (DESIGN.md "media pipeline")."""

    PROBE = "probe", _("Nhận dạng tệp")
    TEXT = "text", _("Văn bản từng trang")
    THUMBNAIL = "thumbnail", _("Ảnh bìa")
    AUDIO_RENDITION = "audio_rendition", _("Bản âm thanh phát trực tuyến")
    OCR = "ocr", _("Nhận dạng chữ (OCR), PDF tìm kiếm được")
    TRANSCRIPT = "transcript", _("Bản chép lời (phụ đề WebVTT)")
    CHAPTERS = "chapters", _("Chia chương")
    VIDEO_RENDITION = "video_rendition", _("Bản video phát trực tuyến (H.264/AAC)")
    POSTER = "poster", _("Ảnh đại diện video")
    PREVIEW_PDF = "preview_pdf", _("Bản xem trước PDF (LibreOffice)")
    PAGE_PREVIEWS = "page_previews", _("Ảnh xem trước các trang đầu")
    SIGNED_PDF = "signed_pdf", _("Bản PDF có chữ ký số (PAdES)")


# Bumped when the code that makes a kind changes its output; a change of the settings that shape the
# output (kind_parameters) changes the parameters version by itself.
CODE_VERSIONS = {
    DerivativeKind.PROBE: 1,
    DerivativeKind.TEXT: 1,
    DerivativeKind.THUMBNAIL: 1,
    DerivativeKind.AUDIO_RENDITION: 1,
    DerivativeKind.OCR: 1,
    DerivativeKind.TRANSCRIPT: 1,
    DerivativeKind.CHAPTERS: 1,
    DerivativeKind.VIDEO_RENDITION: 1,
    DerivativeKind.POSTER: 1,
    DerivativeKind.PREVIEW_PDF: 1,
    DerivativeKind.PAGE_PREVIEWS: 1,
    DerivativeKind.SIGNED_PDF: 1,
}


def transcript_language(material_file=None):
    """The language `material_file`'s speech is transcribed in: "vi", "en" (ISO 639-1) or "auto"
    (Whisper detects it). The `transcript_language` of the material using the file (the first made
    when several do; a page's row holds its published values, or those it was created with), else
    the site's HOCLIEU_WHISPER_LANGUAGE (empty: "auto") for a file no material uses yet."""
    if material_file is not None and material_file.pk:
        chosen = (material_file.materials.order_by("pk")
                  .values_list("transcript_language", flat=True).first())
        if chosen:
            return chosen
    return settings.HOCLIEU_WHISPER_LANGUAGE or "auto"


def kind_parameters(kind, material_file=None):
    """The settings that shape the output of `kind` (a dict of JSON values); for the transcript,
    the language of `material_file` (`transcript_language`) too."""
    if kind == DerivativeKind.THUMBNAIL:
        return {"width": pdf.THUMBNAIL_WIDTH}
    if kind == DerivativeKind.AUDIO_RENDITION:
        return {"bitrate": settings.HOCLIEU_STREAM_BITRATE, "lufs": settings.HOCLIEU_STREAM_LOUDNESS_LUFS}
    if kind == DerivativeKind.OCR:
        return {"languages": settings.HOCLIEU_OCR_LANGUAGES,
                "min_chars_per_page": settings.HOCLIEU_OCR_MIN_CHARS_PER_PAGE,
                "min_image_coverage": settings.HOCLIEU_OCR_MIN_IMAGE_COVERAGE}
    if kind == DerivativeKind.TRANSCRIPT:
        # The model by its directory's name (moving the directory does not reprocess every file).
        return {"model": os.path.basename(os.path.normpath(settings.HOCLIEU_WHISPER_MODEL_PATH or "-")),
                "language": transcript_language(material_file),
                "max_cue_seconds": speech.MAX_CUE_SECONDS, "max_line_chars": speech.MAX_LINE_CHARS}
    if kind == DerivativeKind.VIDEO_RENDITION:
        return {"long_side": video.MAX_LONG_SIDE, "short_side": video.MAX_SHORT_SIDE,
                "codec": video.VIDEO_CODEC, "profile": video.VIDEO_PROFILE, "crf": video.VIDEO_CRF,
                "preset": video.VIDEO_PRESET, "audio_bitrate": video.AUDIO_BITRATE}
    if kind == DerivativeKind.POSTER:
        return {"long_side": video.MAX_LONG_SIDE, "short_side": video.MAX_SHORT_SIDE,
                "position": video.POSTER_POSITION, "quality": video.POSTER_QUALITY}
    if kind == DerivativeKind.PAGE_PREVIEWS:
        return {"pages": settings.HOCLIEU_PREVIEW_PAGES, "width": settings.HOCLIEU_PREVIEW_WIDTH,
                "format": preview.IMAGE_FORMAT, "quality": preview.DEFAULT_QUALITY,
                "max_height_ratio": preview.MAX_HEIGHT_RATIO}
    if kind == DerivativeKind.CHAPTERS:
        return {"min_duration": chapters.MIN_DURATION_SECONDS, "noise_db": chapters.SILENCE_NOISE_DB,
                "min_silence": chapters.SILENCE_SECONDS, "min_part": chapters.MIN_PART_SECONDS}
    return {}


def params_version(kind, material_file=None):
    """The parameters version of `kind` now: "<code version>-<8 hex digits of the parameters' SHA-1>",
    e.g. "1-3f2a9c1e". A new loudness target gives the audio rendition a new version, and only it;
    a new transcript language of the material using `material_file` gives that file's transcript a
    new version (a librarian's correction is kept apart and stays: repository.models.transcripts)."""
    parameters = kind_parameters(kind, material_file)
    digest = hashlib.sha1(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:8]
    return f"{CODE_VERSIONS[kind]}-{digest}"


class DerivativeStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ xử lí")
    RUNNING = "running", _("Đang xử lí")
    DONE = "done", _("Đã xử lí")
    FAILED = "failed", _("Xử lí lỗi")


def derivative_upload_to(instance, filename):
    """Storage path of a derivative's output: derivatives/thumbnails/…, derivatives/streams/… or
    derivatives/ocr/… (the searchable PDF), derivatives/transcript/… (the WebVTT captions), or
    derivatives/<kind>/… for the other kinds."""
    folder = {DerivativeKind.THUMBNAIL: "thumbnails", DerivativeKind.AUDIO_RENDITION: "streams"}.get(
        instance.kind, instance.kind
    )
    return f"derivatives/{folder}/{filename}"


class Derivative(models.Model):
    """One kind of work on one original: its state, its stored output and what it found.

    `metadata` holds the kind's findings: probe {"media_kind", "format", "page_count",
    "duration_seconds", "audio_codec", "bit_rate", "sample_rate", "channels", "chapters"}; text
    {"page_count", "page_texts", "full_text"}; audio rendition {"duration_seconds", ...}; ocr (its
    output the searchable PDF/A) {"page_count", "page_texts", "full_text", "ocr_pages" (1-based pages
    that needed OCR), "mode" ("skip-text" or "redo-ocr"), "pdfa", "languages", "seconds"}; transcript
    (its output the WebVTT captions) {"full_text" (one line per spoken segment, "" for no speech),
    "language_requested" (the material's choice: "vi", "en", "auto"),
    "language", "language_probability", "cue_count", "duration_seconds", "seconds" (work),
    "real_time_factor", "device", "compute_type", "chunks", "model"}; for video the probe adds
    {"video_codec", "width", "height" (upright, pixels), "rotation" (degrees), "frame_rate",
    "has_audio"}; video rendition (its output the H.264/AAC MP4) {"duration_seconds", "width",
    "height", "video_codec", "audio_codec", "bit_rate"}; poster (its output a JPEG) {"width",
    "height", "at_seconds"}; chapters {"chapters": [{"title", "start", "end"}], "source"
    ("embedded", "silence" or "none")}; preview PDF (its output the PDF LibreOffice made of a DOCX or
    PPTX) {"page_count", "seconds"}; page previews (its output a ZIP of WebP images, members
    "page-<n>.webp", media_pipeline.preview) {"page_count" (of the PDF), "pages": [{"number",
    "width", "height"}], "source" ("original" or "preview_pdf")}.
    `progress` is 0-100; `attempts` counts claimed runs; `permanent` marks a failure that retrying
    cannot mend (the file's fault), as opposed to a passing one retried after `next_attempt_at`.
    """

    material_file = models.ForeignKey(
        "repository.MaterialFile", verbose_name=_("tệp"), on_delete=models.CASCADE, related_name="derivatives"
    )
    kind = models.CharField(_("loại"), max_length=32, choices=DerivativeKind.choices)
    input_sha256 = models.CharField(_("SHA-256 của tệp gốc"), max_length=64)
    params_version = models.CharField(_("phiên bản tham số"), max_length=32)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=DerivativeStatus.choices, default=DerivativeStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    attempts = models.PositiveIntegerField(_("số lần chạy"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    error_code = models.CharField(_("mã lỗi"), max_length=32, blank=True)
    permanent = models.BooleanField(_("lỗi không tự thử lại"), default=False)
    lease_expires_at = models.DateTimeField(_("hết hạn giữ việc lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), null=True, blank=True)
    output = models.FileField(_("tệp kết quả"), upload_to=derivative_upload_to, blank=True, max_length=255)
    metadata = models.JSONField(_("kết quả"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("sản phẩm xử lí")
        verbose_name_plural = _("sản phẩm xử lí")
        ordering = ["material_file", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["material_file", "kind", "input_sha256", "params_version"],
                name="unique_derivative_per_input_and_params",
            )
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="derivative_lease_idx")]

    def __str__(self):
        return f"{self.material_file_id}:{self.kind} ({self.status})"


def current_derivative(material_file, kind):
    """The finished Derivative of `kind` for `material_file`'s current bytes (its `sha256`) and the
    current parameters version, or None."""
    if not material_file.pk or not material_file.sha256:
        return None
    return (
        Derivative.objects.filter(
            material_file=material_file, kind=kind, input_sha256=material_file.sha256,
            params_version=params_version(kind, material_file), status=DerivativeStatus.DONE,
        )
        .order_by("-pk")
        .first()
    )


def prefetch_current_derivatives(material_files, kinds):
    """Fill the derivative cache of each of `material_files` (MaterialFile instances) for each of
    `kinds` (str) with one query, as MaterialFile.current_derivative would find them one by one
    (None where there is none): for a page of search results, whose snippets read each file's text."""
    files = [f for f in material_files if f is not None and f.pk and f.sha256]
    if not files:
        return
    found = {}
    # The status is checked here, not in SQL: with it in the WHERE clause SQLite walks the
    # (status, lease) index over every finished derivative instead of the files' own rows.
    rows = Derivative.objects.filter(material_file__in=files, kind__in=kinds).order_by("pk")
    for derivative in rows:  # ascending pk: the newest of a kind for the same input is kept
        if derivative.status != DerivativeStatus.DONE:
            continue
        found.setdefault((derivative.material_file_id, derivative.kind), {})[
            (derivative.input_sha256, derivative.params_version)] = derivative
    for material_file in files:
        cache = material_file.__dict__.setdefault("_hoclieu_derivatives", {})
        for kind in kinds:
            candidates = found.get((material_file.pk, kind))
            # params_version only where a derivative of the kind exists (a transcript's reads the
            # file's pages for their language).
            cache[kind] = candidates and candidates.get((material_file.sha256,
                                                         params_version(kind, material_file)))
