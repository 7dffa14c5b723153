"""Editor panels of the repository app that are not fields.

`FileVersionsPanel`: the versions of a material's file (repository.versions.file_versions), read-only,
for MaterialPage's edit handler, e.g. `content_panels = [..., FieldPanel("file"), FileVersionsPanel()]`.
Hidden on a page not saved yet and from users who may not see the versions
(repository.versions.user_can_see_versions). The same list is the admin screen "Phiên bản tệp"
(repository.views.versions), linked from the page header.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel

from .versions import file_versions, user_can_see_versions


class FileVersionsPanel(Panel):
    """Read-only list of the versions of the edited material's file: date, uploader, size, SHA-256,
    the live one, approvals. Takes Panel's keyword arguments (heading defaults to "Phiên bản tệp")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Phiên bản tệp"))
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return super().clean_name or "file_versions"

    class BoundPanel(Panel.BoundPanel):
        template_name = "repository/admin/file_versions_panel.html"

        def is_shown(self):
            if self.instance is None or not getattr(self.instance, "pk", None) or self.request is None:
                return False
            return super().is_shown() and user_can_see_versions(self.request.user, self.instance)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["versions"] = file_versions(self.instance)
            return context
