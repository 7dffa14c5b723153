"""Admin forms of the exchange app."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from repository.models import Library

from .models import HarvestSource
from .permissions import harvest_receiving_library_ids


class HarvestSourceForm(WagtailAdminModelForm):
    """Create or edit a harvest source.

    `for_user` (passed by Wagtail's generic views) limits the receiving library to those the user
    is a librarian of (all for a superuser). The Bearer token is write-only: the field is never
    filled with the stored one; left empty it keeps it, "Xoá mã" removes it (HarvestSource.token
    encrypts what is saved).
    """

    base_url = forms.URLField(
        label=_("địa chỉ OAI-PMH (baseURL)"), max_length=500, assume_scheme="https",
        help_text=_("Ví dụ: https://thcs-nguyendu.edu.vn/oai/"),
    )
    new_token = forms.CharField(
        label=_("Mã thu thập (Bearer)"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Mã do thư viện thành viên cấp (manage.py oai_token create) để thu thập biểu ghi chỉ "
                    "dành cho liên thông. Để trống để giữ mã đã lưu; mã được lưu mã hoá và không hiện lại."),
    )
    clear_token = forms.BooleanField(label=_("Xoá mã đã lưu"), required=False)

    class Meta:
        model = HarvestSource
        fields = ["name", "base_url", "metadata_prefix", "set_spec", "receiving_library", "member_library",
                  "interval_minutes", "enabled", "last_datestamp"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        library_ids = harvest_receiving_library_ids(for_user) if for_user is not None else set()
        libraries = Library.objects.all()
        if library_ids is not None:
            libraries = libraries.filter(pk__in=library_ids)
        self.fields["receiving_library"].queryset = libraries
        if not (self.instance and self.instance.has_token):
            del self.fields["clear_token"]

    def _post_clean(self):
        # The token is set before the model's clean(), which checks it against the libraries.
        if self.cleaned_data.get("clear_token"):
            self.instance.token = ""
        elif self.cleaned_data.get("new_token"):
            self.instance.token = self.cleaned_data["new_token"]
        super()._post_clean()
