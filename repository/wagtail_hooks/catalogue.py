"""Wagtail hooks: the print catalogue (CatalogueRecord) in the admin, read-only, library by library.

Menu "Kho sách in": a library's librarians list, search (with or without diacritics) and inspect
their own library's catalogue records with their holdings; superusers see every library's. Nobody
adds, edits or deletes records here: the library system (ILS) is their source, and
`manage.py import_marc` brings them in. Every view reads its objects through
repository.permissions.admin_catalogue_records, so a record of another library answers 404 whatever
the URL (repository.views.admin_catalogue).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from ..choices import Role
from ..models import CatalogueRecord
from ..permissions import admin_catalogue_records, catalogue_library_ids, sees_all_libraries
from ..views import admin_catalogue as views


class CatalogueRecordPermissionPolicy(BasePermissionPolicy):
    """Only "view": for superusers (every record) and librarians (their libraries' records)."""

    VIEW = "view"

    def user_has_permission(self, user, action):
        if action != self.VIEW or not (user.is_authenticated and user.is_active):
            return False
        return sees_all_libraries(user) or bool(catalogue_library_ids(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return sees_all_libraries(user) or instance.library_id in catalogue_library_ids(user)

    def instances_user_has_any_permission_for(self, user, actions):
        if self.VIEW not in actions:
            return CatalogueRecord.objects.none()
        return admin_catalogue_records(user)

    def users_with_any_permission(self, actions):
        if self.VIEW not in actions:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(
            Q(is_superuser=True) | Q(groups__library_role__role=Role.LIBRARIAN), is_active=True
        ).distinct()


register_permission_policy(CatalogueRecord, CatalogueRecordPermissionPolicy(CatalogueRecord))


class CatalogueRecordViewSet(ModelViewSet):
    """The print catalogue: listing with search, and an inspect view with the holdings."""

    model = CatalogueRecord
    menu_label = _("Kho sách in")
    icon = "book"
    add_to_admin_menu = True
    menu_order = 260
    index_view_class = views.CatalogueRecordIndexView
    inspect_view_class = views.CatalogueRecordInspectView
    edit_view_class = views.CatalogueRecordEditView
    delete_view_class = views.CatalogueRecordDeleteView
    history_view_class = views.CatalogueRecordHistoryView
    usage_view_class = views.CatalogueRecordUsageView
    inspect_view_enabled = True
    copy_view_enabled = False
    exclude_form_fields = []
    form_fields = ["deleted"]
    list_display = [
        "title",
        Column("authors", label=_("Tác giả"), accessor=lambda r: "; ".join(r.author_list)),
        "publication_year",
        "isbn",
        Column("call_number", label=_("Kí hiệu xếp giá"), accessor="call_number"),
        Column("copies", label=_("Số bản"), accessor="copies"),
        "library",
    ]
    list_filter = ["deleted", "source"]
    inspect_view_fields = [
        "title", "authors", "publisher", "publication_year", "isbn", "ddc", "language", "record_type",
        "control_number", "control_number_identifier", "library", "source", "source_name", "deleted",
        "updated_at",
    ]
    search_fields = ["title", "authors", "isbn", "control_number"]
    search_backend_name = None  # plain QuerySet search, with Vietnamese folding (the index view)

    def get_permissions_to_register(self):
        """Nothing to tick in Settings › Groups: the policy reads library roles, not permissions."""
        return Permission.objects.none()


@hooks.register("register_admin_viewset")
def register_catalogue_admin():
    return CatalogueRecordViewSet("catalogue_records")
