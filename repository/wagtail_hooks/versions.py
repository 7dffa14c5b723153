"""Wagtail hooks: file versions (repository.versions).

- The approval record (APPROVE_FILE_ACTION) is a log action of its own, named in page histories.
- Admin URLs: the versions of a material's file, and Wagtail's document edit URL answered by
  repository.views.versions.MaterialFileEditView (same view, Hoclieu's message after a new version);
  registered first (order -1) so they match before wagtail.documents' own.
- A "Phiên bản tệp" button in a material's page header, for those who may see its versions.
"""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import LogFormatter

from ..models import MaterialPage
from ..versions import APPROVE_FILE_ACTION, user_can_see_versions
from ..views import versions as views


@hooks.register("register_log_actions")
def register_approval_action(actions):
    """APPROVE_FILE_ACTION: "Duyệt tệp", with the file's id and SHA-256 in the history."""

    @actions.register_action(APPROVE_FILE_ACTION)
    class ApproveFileFormatter(LogFormatter):
        label = gettext_lazy("Duyệt tệp")

        def format_message(self, log_entry):
            return _("Đã duyệt tệp #%(file_id)s, SHA-256 %(sha256)s") % {
                "file_id": log_entry.data.get("file_id", "?"),
                "sha256": log_entry.data.get("sha256") or "?",
            }


@hooks.register("register_admin_urls", order=-1)
def register_version_urls():
    return [
        path("hoclieu/materials/<int:page_id>/versions/", views.material_file_versions,
             name="hoclieu_file_versions"),
        path("documents/edit/<int:document_id>/", views.MaterialFileEditView.as_view(),
             name="hoclieu_document_edit"),
    ]


@hooks.register("register_page_header_buttons")
def versions_button(page, user, next_url=None, view_name=None):
    """A link to the material's file versions (MaterialPages only, for user_can_see_versions)."""
    if page.specific_class is not MaterialPage or not page.pk:
        return []
    if not user_can_see_versions(user, page.specific_deferred):
        return []
    return [Button(_("Phiên bản tệp"), reverse("hoclieu_file_versions", args=[page.pk]),
                   icon_name="doc-full", priority=66)]
