"""Admin forms: the material-file upload form (Wagtail's document form base).

The material page's form is in repository.page_forms: the models import it, and this module's
Wagtail document forms can only be imported once the models are loaded.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm

from media_pipeline.detect import detect
from media_pipeline.errors import MediaError


class MaterialFileForm(BaseDocumentForm):
    """Rejects, before anything is stored: empty files, files over HOCLIEU_MAX_UPLOAD_BYTES, and files
    whose content is not a supported format or does not match their extension (media_pipeline.detect,
    e.g. a PPTX named .pdf). Deeper checks (encryption, truncation) run in the pipeline afterwards.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            # Django's own check catches a 0-byte upload before clean_file; say it the same way.
            self.fields["file"].error_messages["empty"] = _("Tệp rỗng (0 byte).")

    def add_error(self, field, error):
        """Drop the model's second opinion on a file already refused here.

        Wagtail's AbstractDocument.clean() re-validates the extension of the file the form kept, which
        for a refused upload is none at all ("File extension “” is not allowed"), a confusing echo.
        """
        if field is None and self.has_error("file") and hasattr(error, "error_dict"):
            error.error_dict.pop("file", None)
            if not error.error_dict:
                return
        super().add_error(field, error)

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded is None or not hasattr(uploaded, "size"):
            return uploaded
        if uploaded.size == 0:
            raise ValidationError(_("Tệp rỗng (0 byte)."), code="empty")
        limit = settings.HOCLIEU_MAX_UPLOAD_BYTES
        if uploaded.size > limit:
            raise ValidationError(
                _("Tệp quá lớn: %(size)s, tối đa %(limit)s.")
                % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        if isinstance(uploaded, UploadedFile):  # a new upload, not the file already stored
            try:
                detect(uploaded, uploaded.name)
            except MediaError as error:
                raise ValidationError(str(error), code=error.code) from error
        return uploaded

