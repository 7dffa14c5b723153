"""Wagtail hooks: library isolation in the admin (rules in repository.permissions).

- Page choosers (browse and search) and the explorer list only `admin_pages(user)`.
- The admin API's documents endpoint (/admin/api/main/documents/, used by the rich-text editor)
  lists only `admin_documents(user)`, replacing Wagtail's, which lists every file.
- Wagtail's reports menu is shown to superusers only (the reports read across the whole site; the
  URLs themselves are refused in repository.middleware).
- The explorer of a library and the listing of all materials (MaterialPageViewSet) offer
  "Owner" and "Edited by" filters naming only `admin_users(user)`; Wagtail's own filters name every
  user who owns or edited any page of the site.

Together with repository.middleware (URLs naming another library's page or file answer 404) and
repository.views.admin_isolation (bulk actions).
"""

from django.forms import CheckboxSelectMultiple
from wagtail import hooks
from wagtail.admin.filters import MultipleUserFilter
from wagtail.admin.views.pages.listing import EditedByFilter, PageFilterSet
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.models import Page, PageLogEntry

from ..models import MaterialPage
from ..permissions import admin_documents, admin_pages, admin_users, sees_all_libraries
from ..views.deposit import MaterialCreateView, MaterialEditView


def _scope_pages(pages, request):
    if sees_all_libraries(request.user):
        return pages
    return pages.filter(pk__in=admin_pages(request.user).values("pk"))


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    """Page chooser, browse and search: only the pages of the user's libraries."""
    return _scope_pages(pages, request)


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(parent_page, pages, request):
    """Explorer listings and the admin pages API: only the pages of the user's libraries."""
    return _scope_pages(pages, request)


class LibraryDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    """Wagtail's admin documents API, limited to the files the user may know about."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if sees_all_libraries(self.request.user):
            return queryset
        return queryset.filter(pk__in=admin_documents(self.request.user).values("pk"))


@hooks.register("construct_admin_api", order=100)
def scope_admin_documents_api(router):
    """Replace the "documents" endpoint Wagtail registers (order 0) with the scoped one."""
    router.register_endpoint("documents", LibraryDocumentsAdminAPIViewSet)


@hooks.register("construct_reports_menu")
def reports_for_superusers_only(request, menu_items):
    """Wagtail's site-wide reports are for superusers; everyone else sees no Reports menu."""
    if not sees_all_libraries(request.user):
        menu_items[:] = []


def _page_owners(request):
    return admin_users(request.user).filter(pk__in=Page.objects.order_by().values("owner_id"))


def _page_editors(request):
    edits = PageLogEntry.objects.filter(action="wagtail.edit").order_by().values("user_id")
    return admin_users(request.user).filter(pk__in=edits)


class LibraryPageFilterSet(PageFilterSet):
    """Wagtail's page listing filters, with the user filters limited to the user's libraries."""

    owner = MultipleUserFilter(label=PageFilterSet.base_filters["owner"].label, queryset=_page_owners,
                               widget=CheckboxSelectMultiple)
    edited_by = EditedByFilter(label=PageFilterSet.base_filters["edited_by"].label, queryset=_page_editors,
                               widget=CheckboxSelectMultiple)

    class Meta(PageFilterSet.Meta):
        model = MaterialPage


class MaterialPageViewSet(PageViewSet):
    """Wagtail's views of material pages, with LibraryPageFilterSet in the listings: the explorer of a
    library (whose only children are materials) and "pages of this type"; the create and edit views
    are repository.views.deposit's (no autosave on creation, the access level in the status panel)."""

    model = MaterialPage
    add_view_class = MaterialCreateView
    edit_view_class = MaterialEditView
    filterset_class = LibraryPageFilterSet
    icon = "doc-full"


@hooks.register("register_admin_viewset")
def register_material_page_viewset():
    return MaterialPageViewSet()
