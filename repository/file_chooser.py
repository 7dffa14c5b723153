"""The material's file chooser: Wagtail's document chooser with each file's processing state.

`file_chooser_viewset` (namespace `hoclieu_file_chooser`, registered in repository.wagtail_hooks.deposit)
is Wagtail's DocumentChooserViewSet with one more column, "Trạng thái xử lí" (pending, running,
done, failed: MaterialFile.processing_status), and the material form's "Tệp" field uses its widget
(repository.page_forms). Which files it lists is decided where every document chooser's list is, in
the `construct_document_chooser_queryset` hook (repository.wagtail_hooks.deposit:
repository.permissions.chooser_files: one's own files, or the library's for a librarian, failed ones
only with `?failed=1`); the "chosen" answers are checked by repository.middleware like Wagtail's
own chooser's. Its upload tab is Wagtail's, with Hoclieu's upload form (repository.forms).

This module imports no models: the material's form, which the models import, uses it.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.documents import get_document_model_string
from wagtail.documents.views.chooser import (
    DocumentChooseResultsView,
    DocumentChooserViewSet,
    DocumentChooseView,
)


class ProcessingStateColumn(Column):
    """The file's processing state, as its label ("Đã xử lí", "Xử lí lỗi", ...)."""

    cell_template_name = "repository/admin/file_chooser_state_cell.html"

    def get_value(self, instance):
        return instance.get_processing_status_display()

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["status"] = instance.processing_status
        return context


class _StateColumnMixin:
    # `failed=1` (show failed files too) is kept in the chooser's search and page links.
    preserve_url_parameters = ["multiple", "failed"]

    @property
    def columns(self):
        columns = list(super().columns)
        columns.insert(1, ProcessingStateColumn("processing_status", label=_("Trạng thái xử lí"),
                                                width="18%"))
        return columns


class FileChooseView(_StateColumnMixin, DocumentChooseView):
    pass


class FileChooseResultsView(_StateColumnMixin, DocumentChooseResultsView):
    pass


class MaterialFileChooserViewSet(DocumentChooserViewSet):
    """Wagtail's document chooser, listing each file's processing state."""

    choose_view_class = FileChooseView
    choose_results_view_class = FileChooseResultsView
    choose_one_text = _("Chọn tệp đã tải lên")
    choose_another_text = _("Chọn tệp khác")


file_chooser_viewset = MaterialFileChooserViewSet(
    "hoclieu_file_chooser", model=get_document_model_string(), url_prefix="hoclieu/chon-tep",
)
