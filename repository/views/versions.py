"""Admin views of file versions (the rule: repository.versions).

- `MaterialFileEditView`: Wagtail's document edit view, answering at its URL
  (repository/wagtail_hooks/versions.py) only to tell the user, after an upload over an approved
  file, that a new version was made and sent for review, instead of "document updated". The work
  itself is done by the form (repository.forms.MaterialFileForm), whatever view uses it.
- `material_file_versions`: the versions of a material's file (date, uploader, size, SHA-256, the
  live one, approvals), for whoever may edit or review the material; 404 for anyone else.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.documents.views.documents import EditView

from ..models import MaterialPage
from ..versions import file_versions, user_can_see_versions


class MaterialFileEditView(EditView):
    """Wagtail's document edit view; after a new version (form.new_version) its message replaces
    Wagtail's "updated" message, with a link to the versions of the first material concerned."""

    def get_success_message(self):
        if getattr(self.form, "new_version", None) is not None:
            return self.form.new_version.message()
        if getattr(self.form, "same_content", False):
            return _("Tệp tải lên giống hệt bản đã duyệt (cùng SHA-256); không có phiên bản mới.")
        return super().get_success_message()

    def get_success_buttons(self):
        new_version = getattr(self.form, "new_version", None)
        if new_version is not None and new_version.pages:
            url = reverse("hoclieu_file_versions", args=[new_version.pages[0].pk])
            return [messages.button(url, _("Xem các phiên bản"))]
        return super().get_success_buttons()


class MaterialFileVersionsView(WagtailAdminTemplateMixin, TemplateView):
    """GET: the versions of MaterialPage `page_id`'s file, newest first (repository.versions.file_versions).

    404, as for a page that does not exist, unless repository.versions.user_can_see_versions.
    """

    template_name = "repository/admin/file_versions.html"
    page_title = gettext_lazy("Phiên bản tệp")
    header_icon = "doc-full"

    def dispatch(self, request, page_id):
        self.page = get_object_or_404(MaterialPage, pk=page_id)
        if not user_can_see_versions(request.user, self.page):
            raise Http404
        return super().dispatch(request, page_id)

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
             "label": self.page.get_admin_display_title()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = self.page
        context["versions"] = file_versions(self.page)
        return context


material_file_versions = MaterialFileVersionsView.as_view()
