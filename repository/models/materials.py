"""Material pages (the catalogued item) and material files (the stored original and derivatives)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.documents.models import AbstractDocument, Document
from wagtail.models import Page

from media_pipeline import detect

from ..choices import (
    GRADE_CHOICES,
    AccessLevel,
    Language,
    MaterialType,
    Rights,
    Semester,
    Subject,
    TextbookSeries,
    TranscriptLanguage,
)
from ..page_forms import MaterialPageForm
from ..panels import FileProcessingPanel, FileVersionsPanel, PrintTwinPanel, ReviewHistoryPanel
from .derivatives import current_derivative, transcript_language
from .libraries import Library
from .transcripts import current_correction


class ProcessingStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ xử lí")
    RUNNING = "running", _("Đang xử lí")
    DONE = "done", _("Đã xử lí")
    FAILED = "failed", _("Xử lí lỗi")


class MaterialFile(AbstractDocument):
    """A material's stored original (Wagtail's document model for Hoclieu).

    The original is never altered. What the media pipeline makes of it lives in its Derivatives
    (repository.models.derivatives), one per kind of work; this row keeps a summary for listings,
    the player and MARC: the aggregate processing status of the current derivatives, and the probe's
    findings (kind, page count, duration, audio format, chapters). Extracted text, the thumbnail,
    the previews and the audio rendition are read from the derivatives (`full_text`, `page_texts`,
    `thumbnail`, `preview_pdf`, `page_previews`, `stream_rendition`, `transcript_vtt`), so they never
    load with a document listing.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False, db_index=True)
    media_kind = models.CharField(
        _("loại tệp"), max_length=16, blank=True, editable=False,
        help_text=_("Loại nhận ra từ nội dung tệp: pdf, docx, pptx, audio, image."),
    )
    processing_status = models.CharField(
        _("trạng thái xử lí"), max_length=16, choices=ProcessingStatus.choices,
        default=ProcessingStatus.PENDING, editable=False,
    )
    processing_error = models.TextField(_("lỗi xử lí"), blank=True, editable=False)
    processing_attempts = models.PositiveIntegerField(_("số lần xử lí"), default=0, editable=False)
    processed_at = models.DateTimeField(_("xử lí lúc"), null=True, blank=True, editable=False)

    # Summary of the probe (copied from the probe derivative)
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True, editable=False)
    duration_seconds = models.FloatField(_("thời lượng (giây)"), null=True, blank=True, editable=False)
    audio_codec = models.CharField(_("mã hoá âm thanh"), max_length=32, blank=True, editable=False)
    bit_rate = models.PositiveIntegerField(_("tốc độ bit (b/s)"), null=True, blank=True, editable=False)
    sample_rate = models.PositiveIntegerField(_("tần số mẫu (Hz)"), null=True, blank=True, editable=False)
    channels = models.PositiveSmallIntegerField(_("số kênh"), null=True, blank=True, editable=False)
    chapters = models.JSONField(
        _("chương"), default=list, blank=True, editable=False,
        help_text=_("Danh sách {title, start, end} theo giây."),
    )

    admin_form_fields = Document.admin_form_fields

    class Meta(AbstractDocument.Meta):
        verbose_name = _("tệp học liệu")
        verbose_name_plural = _("tệp học liệu")
        permissions = [("choose_document", "Can choose document")]

    @property
    def is_audio(self):
        return self.media_kind == "audio"

    @property
    def is_video(self):
        return self.media_kind == "video"

    @property
    def processing_failed(self):
        return self.processing_status == ProcessingStatus.FAILED

    def current_derivative(self, kind):
        """The finished Derivative of `kind` for this file's current bytes and the current parameters
        (repository.pipeline.params_version), or None. Cached on the instance."""
        cache = self.__dict__.setdefault("_hoclieu_derivatives", {})
        if kind not in cache:
            cache[kind] = current_derivative(self, kind)
        return cache[kind]

    def _derivative_output(self, kind):
        """The stored output (a FieldFile) of this file's current finished Derivative of `kind`, or None."""
        derivative = self.current_derivative(kind)
        return derivative.output if derivative is not None and derivative.output else None

    @property
    def transcript_correction(self):
        """The librarian's correction of this file's transcript (a TranscriptCorrection of the current
        bytes), or None. Cached on the instance."""
        cache = self.__dict__.setdefault("_hoclieu_derivatives", {})
        if "transcript_correction" not in cache:
            cache["transcript_correction"] = current_correction(self)
        return cache["transcript_correction"]

    def _derivative_text(self):
        # The OCR's text, once done, has every page: those kept with their own text and those read
        # from the scan; until then (or when the file needs no OCR), the extracted text; for audio,
        # the corrected transcript's, else the machine transcript's.
        derivative = self.current_derivative("ocr") or self.current_derivative("text")
        if derivative is None and self.transcript_correction is not None:
            return {"full_text": self.transcript_correction.full_text}
        derivative = derivative or self.current_derivative("transcript")
        return derivative.metadata if derivative is not None else {}

    @property
    def full_text(self):
        """Text of the whole file (str; pages separated by a form feed), from OCR for a scan, the
        transcript for audio (one line per spoken segment); "" until done."""
        return self._derivative_text().get("full_text", "")

    @property
    def page_texts(self):
        """Text page by page (list of str; PDF pages, PPTX slides, scanned pages read by OCR); []
        until done."""
        return self._derivative_text().get("page_texts", [])

    @property
    def searchable_pdf(self):
        """The searchable PDF/A made by OCR of a scan (a FieldFile) or None."""
        return self._derivative_output("ocr")

    @property
    def thumbnail(self):
        """The first-page thumbnail (a FieldFile, PNG) or None."""
        return self._derivative_output("thumbnail")

    @property
    def preview_pdf(self):
        """The PDF LibreOffice made of a DOCX or PPTX for reading in the browser (a FieldFile) or None."""
        return self._derivative_output("preview_pdf")

    @property
    def page_previews(self):
        """The images of the first pages (a FieldFile: a ZIP of WebP images, read with
        media_pipeline.preview.read_page_image) or None."""
        return self._derivative_output("page_previews")

    @property
    def preview_pages(self):
        """The first pages drawn as images, [{"number", "width", "height"}] (pixels), in page order;
        [] when there are none (yet)."""
        derivative = self.current_derivative("page_previews")
        return derivative.metadata.get("pages", []) if derivative is not None and derivative.output else []

    @property
    def preview_page_count(self):
        """The number of pages of the document the page previews were drawn from (the PDF, or the
        preview PDF of a DOCX/PPTX), or None when there are no previews."""
        derivative = self.current_derivative("page_previews")
        return derivative.metadata.get("page_count") if derivative is not None else None

    @property
    def transcript_vtt(self):
        """The transcript's WebVTT captions (a FieldFile, UTF-8 text/vtt) or None: the librarian's
        correction when there is one for the current bytes, else the machine transcript's."""
        if self.transcript_correction is not None:
            return self.transcript_correction.captions
        return self._derivative_output("transcript")

    @property
    def captions_language(self):
        """ISO 639-1 code of the captions' language (the WebVTT track's srclang): the one the machine
        transcript used or detected, else the material's chosen transcript language, else "vi"."""
        derivative = self.current_derivative("transcript")
        found = derivative.metadata.get("language") if derivative is not None else ""
        if not found:
            found = transcript_language(self)
        return found if found and found != "auto" else "vi"

    @property
    def stream_rendition(self):
        """The audio rendition for streaming (a FieldFile, AAC in MP4) or None."""
        return self._derivative_output("audio_rendition")

    @property
    def video_rendition(self):
        """The video rendition for streaming (a FieldFile, H.264/AAC MP4, at most 720p) or None."""
        return self._derivative_output("video_rendition")

    @property
    def poster(self):
        """The video's poster frame (a FieldFile, JPEG) or None."""
        return self._derivative_output("poster")

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_hoclieu_derivatives", None)
        return super().refresh_from_db(*args, **kwargs)


def _is_page_image(material_file):
    """True if `material_file` is a scanned page image: found so by the probe, or named so."""
    return material_file.media_kind == "image" or detect.extension_of(material_file.file.name) in {
        extension for fmt in detect.IMAGE_FORMATS for extension in detect.EXTENSIONS[fmt]
    }


class MaterialPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "repository.MaterialPage", related_name="tagged_items", on_delete=models.CASCADE
    )


school_year_validator = RegexValidator(
    r"^(\d{4})-(\d{4})$", _("Năm học có dạng 2025-2026.")
)
ddc_validator = RegexValidator(
    r"^\d{3}(\.\d+)?$", _("Chỉ số DDC có dạng 3 chữ số, có thể có phần thập phân, ví dụ 372.7 hoặc 895.922.")
)


class MaterialPage(Page):
    """One learning material: its catalogue data (DESIGN.md) and its file.

    Lives under a LibraryIndexPage; `library` is copied from that parent on save so search and access
    checks need no tree walk. Submitting it for moderation starts the subject-group review workflow.
    """

    material_type = models.CharField(_("loại học liệu"), max_length=16, choices=MaterialType.choices)
    creators = models.TextField(
        _("tác giả"), help_text=_("Mỗi dòng một người, ví dụ: Nguyễn Thị Lan")
    )
    subject = models.CharField(_("môn học"), max_length=32, choices=Subject.choices)
    grade = models.PositiveSmallIntegerField(
        _("khối lớp"), choices=GRADE_CHOICES, null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    textbook_series = models.CharField(
        _("bộ sách giáo khoa"), max_length=16, choices=TextbookSeries.choices, blank=True
    )
    lesson = models.CharField(_("bài / chủ đề"), max_length=255, blank=True)
    summary = models.TextField(_("tóm tắt"), blank=True)
    language = models.CharField(
        _("ngôn ngữ"), max_length=3, choices=Language.choices, default=Language.VIE
    )
    transcript_language = models.CharField(
        _("ngôn ngữ chép lời"), max_length=8, choices=TranscriptLanguage.choices,
        default=TranscriptLanguage.VI,
        help_text=_("Ngôn ngữ nói trong tệp âm thanh, video để chép lời; “Tự nhận biết” để máy tự nhận ra. "
                    "Có hiệu lực khi học liệu được tạo hoặc xuất bản."),
    )
    ddc = models.CharField(_("chỉ số DDC"), max_length=32, blank=True, validators=[ddc_validator])
    keywords = ClusterTaggableManager(
        verbose_name=_("từ khoá"), through=MaterialPageTag, blank=True
    )
    rights = models.CharField(
        _("bản quyền / giấy phép"), max_length=32, choices=Rights.choices,
        default=Rights.ALL_RIGHTS_RESERVED,
    )
    rights_holder = models.CharField(_("chủ sở hữu quyền"), max_length=255, blank=True)
    access_level = models.CharField(
        _("mức truy cập"), max_length=16, choices=AccessLevel.choices, default=AccessLevel.SCHOOL
    )
    school_year = models.CharField(
        _("năm học"), max_length=9, blank=True, validators=[school_year_validator]
    )
    semester = models.PositiveSmallIntegerField(
        _("học kì"), choices=Semester.choices, null=True, blank=True
    )
    file = models.ForeignKey(
        "repository.MaterialFile", verbose_name=_("tệp"), null=True, blank=False,
        on_delete=models.PROTECT, related_name="materials",
    )
    library = models.ForeignKey(
        "repository.Library", verbose_name=_("thư viện"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="materials",
    )
    print_twin = models.ForeignKey(
        "repository.CatalogueRecord", verbose_name=_("bản in"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="digital_twins",
        help_text=_("Biểu ghi sách in (kho sách của thư viện) của cùng tài liệu; khớp theo ISBN hoặc do "
                    "cán bộ thư viện xác nhận."),
    )
    publish_when_processed = models.BooleanField(
        _("xuất bản khi xử lí xong"), default=False, editable=False,
        help_text=_("Nhập hàng loạt với --publish: xuất bản khi tệp xử lí xong; tệp lỗi thì chờ."),
    )

    # The file first: uploading it proposes the title, type and authors (repository.page_forms).
    content_panels = [
        MultiFieldPanel([FieldPanel("upload"), FieldPanel("file")], heading=_("Tệp học liệu")),
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("material_type"),
                FieldPanel("creators"),
                FieldRowPanel([FieldPanel("subject"), FieldPanel("grade")]),
                FieldRowPanel([FieldPanel("textbook_series"), FieldPanel("lesson")]),
                FieldPanel("summary"),
            ],
            heading=_("Mô tả"),
        ),
        FileProcessingPanel(),
        FileVersionsPanel(),
        ReviewHistoryPanel(),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("language"), FieldPanel("transcript_language")]),
                FieldPanel("ddc"),
                FieldPanel("keywords"),
                FieldRowPanel([FieldPanel("rights"), FieldPanel("rights_holder")]),
                FieldPanel("access_level"),
                FieldRowPanel([FieldPanel("school_year"), FieldPanel("semester")]),
            ],
            heading=_("Biên mục"),
        ),
        PrintTwinPanel(),
    ]
    search_fields = Page.search_fields
    base_form_class = MaterialPageForm
    parent_page_types = ["repository.LibraryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("học liệu")
        verbose_name_plural = _("học liệu")

    def _set_library_from_parent(self):
        if self.library_id is None:
            parent = self.get_parent() if self.pk or self.path else None
            if parent is not None and hasattr(parent.specific, "library_id"):
                self.library_id = parent.specific.library_id

    def clean(self):
        """Refuse a page image (TIFF, JPEG, PNG) unless the material is of the digitised type, and a
        file that is not stored in this material's library's collection.

        A material may only hold a file its library owns (Library.file_collections): whoever saves
        it, through the admin form, the API or code, a file id of another library is refused here,
        at every revision and at publishing (Wagtail validates both). Raises ValidationError on
        `file`.
        """
        super().clean()
        self._set_library_from_parent()
        digitised = self.material_type == MaterialType.DIGITISED
        if self.file_id is not None and not digitised and _is_page_image(self.file):
            raise ValidationError({"file": _(
                "Ảnh trang quét (TIFF, JPEG, PNG) chỉ dùng cho học liệu loại “Tài liệu số hoá / nội sinh”."
            )})
        if self.file_id is None or self.library_id is None:
            return
        library = Library.objects.filter(pk=self.library_id).first()
        if library is None or not library.owns_file(self.file):
            raise ValidationError({"file": _(
                "Tệp “%(file)s” không thuộc thư viện %(library)s. Học liệu chỉ được dùng tệp do thư viện "
                "của mình lưu; hãy tải tệp lên tại đây."
            ) % {"file": self.file.title, "library": library or "?"}})

    def save(self, *args, **kwargs):
        self._set_library_from_parent()
        return super().save(*args, **kwargs)

    def with_content_json(self, content):
        """The page as a revision holds it, keeping the current `print_twin`: the link is set in the
        admin's print-twin view, outside revisions, and publishing an older revision must not undo it."""
        obj = super().with_content_json(content)
        obj.print_twin_id = self.print_twin_id
        return obj

    @property
    def creator_list(self):
        """Creators as a list of names, one per non-empty line."""
        return [line.strip() for line in self.creators.splitlines() if line.strip()]

    @property
    def is_audiobook(self):
        return self.material_type == MaterialType.AUDIOBOOK or bool(self.file and self.file.is_audio)

    @property
    def is_video_lesson(self):
        """True for a video lesson, by its type or by its file found to be video by the probe."""
        return self.material_type == MaterialType.VIDEO or bool(self.file and self.file.is_video)

    def get_template(self, request, *args, **kwargs):
        if self.is_video_lesson:
            return "repository/video_page.html"
        if self.is_audiobook:
            return "repository/audiobook_page.html"
        return "repository/material_page.html"

    def serve(self, request, *args, **kwargs):
        from ..access import refuse_material, user_can_view_material

        if not user_can_view_material(request.user, self):
            return refuse_material(request, self)
        return super().serve(request, *args, **kwargs)
