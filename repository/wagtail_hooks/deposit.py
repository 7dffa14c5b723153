"""Wagtail hooks: depositing a material (issue 9, item 6; views in repository.views.deposit).

- The dashboard's "Thêm học liệu" panel (DepositPanel), first on the page.
- The action menu of a material's create and edit views: for whoever may not publish it, "Gửi duyệt"
  (SubmitForReviewMenuItem) is the wide default button and "Lưu bản nháp" goes under the arrow.
- Every document chooser (Wagtail's and the material's, repository.file_chooser) lists the user's
  own files, or the library's for a librarian, and no failed ones unless the URL asks `failed=1`
  (repository.permissions.chooser_files).
- The material's file chooser viewset and the upload URL of the material's form.
"""

from django.urls import path
from wagtail import hooks
from wagtail.admin.action_menu import SubmitForModerationMenuItem

from ..file_chooser import file_chooser_viewset
from ..models import LibraryIndexPage, MaterialPage
from ..permissions import chooser_files
from ..views.deposit import DepositPanel, SubmitForReviewMenuItem, upload_view

PUBLISH_ACTION = "action-publish"


@hooks.register("construct_homepage_panels")
def deposit_panel(request, panels):
    """Add "Thêm học liệu" (DepositPanel, order 10: first) to the dashboard; it renders nothing for
    a user with no library to deposit in."""
    panels.append(DepositPanel())


def _is_material_menu(context):
    """True if the action menu of `context` is a material's: its create form (under a library's
    index page, whose only children are materials) or its edit view."""
    if context.get("view") == "create":
        return isinstance(context.get("parent_page"), LibraryIndexPage)
    page = context.get("page")
    return page is not None and issubclass(page.specific_class or type(page), MaterialPage)


@hooks.register("construct_page_action_menu")
def submit_for_review_first(menu_items, request, context):
    """On a material, when "Xuất bản" is not offered, make "Gửi duyệt" the first (default) item."""
    if not _is_material_menu(context) or any(item.name == PUBLISH_ACTION for item in menu_items):
        return
    for position, item in enumerate(menu_items):
        if type(item) is SubmitForModerationMenuItem:
            menu_items.pop(position)
            menu_items.insert(0, SubmitForReviewMenuItem(order=item.order))
            return


@hooks.register("construct_document_chooser_queryset")
def scope_file_chooser(documents, request):
    """Every document chooser's list (`documents`, a MaterialFile QuerySet) narrowed by
    repository.permissions.chooser_files; `?failed=1` keeps the failed files."""
    return chooser_files(request.user, documents, include_failed=request.GET.get("failed") == "1")


@hooks.register("register_admin_viewset")
def register_file_chooser():
    """The material form's file chooser (repository.file_chooser, namespace hoclieu_file_chooser)."""
    return file_chooser_viewset


@hooks.register("register_admin_urls")
def register_deposit_urls():
    """`hoclieu_deposit_upload`: the material form's upload (repository.views.deposit.upload_view)."""
    return [path("hoclieu/nop-hoc-lieu/<int:parent_page_id>/tai-tep/", upload_view,
                 name="hoclieu_deposit_upload")]
