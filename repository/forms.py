"""Admin forms: the material-file upload form (Wagtail's document form base)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm


class MaterialFileForm(BaseDocumentForm):
    """Rejects empty files and files over HOCLIEU_MAX_UPLOAD_BYTES before they are stored."""

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
        return uploaded
