"""Editor panels of the repository app that are not fields, for MaterialPage's edit view.

- `FileVersionsPanel`: the versions of the material's file (repository.versions.file_versions): date,
  uploader, size, SHA-256, which one is live, approvals. The same list is the admin screen "Phiên
  bản tệp" (repository.views.versions), linked from the page header.
- `FileProcessingPanel`: each kind of work the media pipeline does on the file (its Derivatives):
  state, progress, attempts, error, and a "Xử lí lại" button per kind for those who may retry
  (repository.pipeline.user_can_retry_processing).

The panels are declared here, with the models, and know nothing of the domain: their templates get
their rows from the `hoclieu_admin` template tags (repository.templatetags.hoclieu_admin), which do.
- `PrintTwinPanel`: the material's print twin (a CatalogueRecord of its library's print catalogue)
  with its holdings, and suggestions by title and author (repository.catalogue.matching), each with
  a "Xác nhận" button that POSTs to the print-twin admin view (repository.views.print_twin).
- `ReviewHistoryPanel`: every submission and review step (who, when, decision, comment, file
  version): repository.review.review_history.
All are hidden on a page not saved yet. The edit view itself is reached only by those who may edit
or review the page in their own library (Wagtail's permissions, repository.middleware).
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class _SavedMaterialPanel(Panel):
    """A read-only panel shown only for a saved material; `default_heading` and `default_name` name it."""

    default_heading = ""
    default_name = ""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", self.default_heading)
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return super().clean_name or self.default_name

    class BoundPanel(Panel.BoundPanel):
        def is_shown(self):
            if self.instance is None or not getattr(self.instance, "pk", None) or self.request is None:
                return False
            return super().is_shown()


class FileVersionsPanel(_SavedMaterialPanel):
    """Read-only list of the versions of the edited material's file."""

    default_heading = _("Phiên bản tệp")
    default_name = "file_versions"

    class BoundPanel(_SavedMaterialPanel.BoundPanel):
        template_name = "repository/admin/file_versions_panel.html"


class FileProcessingPanel(_SavedMaterialPanel):
    """The media pipeline's work on the edited material's file, kind by kind, with "Xử lí lại"."""

    default_heading = _("Xử lí tệp")
    default_name = "file_processing"

    class BoundPanel(_SavedMaterialPanel.BoundPanel):
        template_name = "repository/admin/file_processing_panel.html"

        def is_shown(self):
            return super().is_shown() and bool(getattr(self.instance, "file_id", None))


class PrintTwinPanel(_SavedMaterialPanel):
    """The edited material's print twin and the suggested ones, with confirm and unlink buttons."""

    default_heading = _("Bản in trong kho sách")
    default_name = "print_twin"

    class BoundPanel(_SavedMaterialPanel.BoundPanel):
        template_name = "repository/admin/print_twin_panel.html"


class ReviewHistoryPanel(_SavedMaterialPanel):
    """Every submission and review step of the edited material: who, when, decision, comment, and the
    file version it was about (rows from the `material_review_history` tag: repository.review)."""

    default_heading = _("Lịch sử duyệt")
    default_name = "review_history"

    class BoundPanel(_SavedMaterialPanel.BoundPanel):
        template_name = "repository/admin/review_history_panel.html"
