"""The material page's admin form (MaterialPage.base_form_class), imported by repository.models.

It imports no models (repository.deposit, repository.file_chooser and repository.slugs import none),
which keeps it safe to import while the models are loading.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets.slug import SlugInput

from media_pipeline.detect import IMAGE_FORMATS

from .choices import MaterialType
from .deposit import (
    check_may_upload,
    check_upload,
    creator_name,
    propose_from_file,
    propose_from_upload,
    store_upload,
)
from .file_chooser import file_chooser_viewset
from .slugs import VIETNAMESE_SLUG_FORMATTERS, unique_child_slug

# Fields a new material may leave empty: proposed from its file and its depositor on save.
PROPOSED_FIELDS = ("title", "slug", "material_type", "creators")


class MaterialPageForm(WagtailAdminPageForm):
    """The material's admin form (MaterialPage.base_form_class): the file first, the rest proposed.

    - `upload` ("Tải tệp lên", first in the form): a file uploaded with the form becomes the
      material's file, a new MaterialFile of the library's collection, through the same checks as any
      upload (repository.deposit.upload_form). With JavaScript (repository/admin/deposit.js) it is
      stored as soon as it is chosen (repository.views.deposit.upload_view) and the fields below are
      filled from the answer; `file` (the chooser, repository.file_chooser) picks one already stored.
    - A new material may leave title, address (slug), type and authors empty: the title and type
      are proposed from the file (repository.deposit.Proposal: its metadata title, else its name
      cleaned; the type from its format), the authors are the depositor (`creator_name`, also the
      field's initial value), the address is the title transliterated (repository.slugs).
    - The slug field's script folds Vietnamese letters (VIETNAMESE_SLUG_FORMATTERS), so the address
      it proposes from the title is "ke-hoach-bai-day" for "Kế hoạch bài dạy".
    - A new material has no place in the page tree while its form is validated, so its library is
      taken from the parent page here, before the model's own validation (MaterialPage.clean) checks
      that the chosen file belongs to that library.
    - The transcript language may be left out of a submission: the material keeps its own.
    """

    upload = forms.FileField(
        label=_("Tải tệp lên"), required=False,
        help_text=_("Chọn tệp học liệu (PDF, DOCX, PPTX, âm thanh, video, ảnh quét); tiêu đề, loại và tác "
                    "giả được điền sẵn từ tệp, bạn sửa được."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = getattr(self, "for_user", None)
        self._upload = None  # a checked UploadedFile, stored by save()
        self._upload_proposal = None
        if "slug" in self.fields:
            self.fields["slug"].widget = SlugInput(formatters=VIETNAMESE_SLUG_FORMATTERS)
        if "file" in self.fields:
            self.fields["file"].widget = file_chooser_viewset.widget_class()
            self.fields["file"].required = False  # an upload may stand for it (checked in clean)
        library = self._library()
        if "upload" in self.fields:
            extensions = ",".join("." + extension for extension in settings.WAGTAILDOCS_EXTENSIONS)
            attrs = {
                "accept": extensions, "data-hoclieu-upload": "",
                # The script's messages, translated here ({name}, {title}, {state} filled in there).
                "data-text-uploading": _("Đang tải lên “{name}”…"),
                "data-text-uploaded": _("Đã tải lên “{title}” ({state})."),
                "data-text-failed": _("Không tải lên được; hãy thử lại."),
            }
            if self.parent_page is not None and library is not None:
                attrs["data-hoclieu-upload-url"] = reverse("hoclieu_deposit_upload",
                                                           args=[self.parent_page.pk])
            self.fields["upload"].widget.attrs.update(attrs)
        if not self.instance.pk:
            for name in PROPOSED_FIELDS:
                if name in self.fields:
                    self.fields[name].required = False
            if self.user is not None and "creators" in self.fields and not self.initial.get("creators"):
                self.initial["creators"] = creator_name(self.user)
        if "transcript_language" in self.fields:
            # A form that does not send it (an older client, a script) keeps the material's choice.
            self.fields["transcript_language"].required = False

    def clean_transcript_language(self):
        """The submitted transcript language, else the material's own."""
        return self.cleaned_data.get("transcript_language") or self.instance.transcript_language

    def _library(self):
        """The Library the material belongs to: its parent index page's, else its own; or None."""
        parent = self.parent_page
        library = getattr(parent.specific, "library", None) if parent is not None else None
        return library or (self.instance.library if self.instance.library_id else None)

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        parent = self.parent_page
        if instance.library_id is None and parent is not None:
            instance.library_id = getattr(parent.specific, "library_id", None)
        self._clean_upload(cleaned)
        if not self.instance.pk:
            self._propose(cleaned)
        return cleaned

    def _clean_upload(self, cleaned):
        uploaded = cleaned.get("upload")
        if not isinstance(uploaded, UploadedFile):
            if not cleaned.get("file") and not self.has_error("file") and not self.has_error("upload"):
                self.add_error("file", ValidationError(
                    _("Hãy tải tệp học liệu lên hoặc chọn một tệp đã có."), code="required"))
            return
        try:
            check_may_upload(self.user, self._library())
            fmt = check_upload(uploaded)
        except ValidationError as error:
            self.add_error("upload", error)
            return
        self._upload = uploaded
        self._upload_proposal = propose_from_upload(uploaded)
        material_type = cleaned.get("material_type") or self._upload_proposal.material_type
        if fmt in IMAGE_FORMATS and material_type and material_type != MaterialType.DIGITISED:
            self.add_error("upload", _(
                "Ảnh trang quét (TIFF, JPEG, PNG) chỉ dùng cho học liệu loại “Tài liệu số hoá / nội sinh”."
            ))

    def _propose(self, cleaned):
        """Fill what a new material left empty from its file and its depositor; then require them."""
        proposal = self._upload_proposal
        if proposal is None and cleaned.get("file") is not None and not (
            cleaned.get("title") and cleaned.get("material_type")
        ):
            proposal = propose_from_file(cleaned["file"])
        if proposal is not None:
            if not cleaned.get("title", "").strip():
                cleaned["title"] = proposal.title[:255]
            if not cleaned.get("material_type") and proposal.material_type:
                cleaned["material_type"] = proposal.material_type
        if not cleaned.get("creators", "").strip() and self.user is not None:
            cleaned["creators"] = creator_name(self.user)
        deferred = getattr(self, "is_deferred_validation", False)
        for name in ("title", "material_type", "creators"):
            if name in self.fields and not cleaned.get(name) and not self.has_error(name) and (
                name == "title" or not deferred
            ):
                self.add_error(name, ValidationError(self.fields[name].error_messages["required"],
                                                     code="required"))
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get("title") and self.parent_page:
            cleaned["slug"] = unique_child_slug(self.parent_page, cleaned["title"])

    def save(self, commit=True):
        """Store the uploaded file first (repository.deposit.store_upload) and make it the material's."""
        if self._upload is not None:
            self.instance.file = store_upload(self._upload, self._library(), self.user)
            self._upload = None
        return super().save(commit=commit)

    class Media:
        js = ["repository/admin/deposit.js"]
