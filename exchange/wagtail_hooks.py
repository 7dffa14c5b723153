"""Wagtail hooks: harvest sources and their runs in the admin ("Thu thập OAI-PMH").

Superusers manage every source; a librarian manages the sources received by their own library
(the hub that keeps the union catalogue) and reads their runs; nobody else sees the menu. Runs are
read-only (what came in, what failed and why). The policies read library roles, not Django
permissions (exchange.permissions), and every view reads its objects through them
(exchange.admin_views), so another hub's source or run answers 404.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from repository.choices import Role
from repository.wagtail_hooks.admin import NoGroupPermissionsMixin

from . import admin_views as views
from .forms import HarvestSourceForm
from .models import HarvestRun, HarvestSource
from .permissions import harvest_receiving_library_ids, harvest_runs_for, harvest_sources_for


class HarvestPermissionPolicy(BasePermissionPolicy):
    """Sources: every action for superusers and for the receiving library's librarians. Runs
    (`read_only`): "view" only, for those who manage the run's source."""

    def __init__(self, model, read_only=False):
        super().__init__(model)
        self.read_only = read_only

    def _actions(self):
        return {"view"} if self.read_only else {"add", "change", "delete", "view"}

    def user_has_permission(self, user, action):
        if action not in self._actions() or not (user.is_authenticated and user.is_active):
            return False
        library_ids = harvest_receiving_library_ids(user)
        return library_ids is None or bool(library_ids)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return self.instances_user_has_any_permission_for(user, [action]).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self._actions() & set(actions):
            return self.model.objects.none()
        return harvest_runs_for(user) if self.read_only else harvest_sources_for(user)

    def users_with_any_permission(self, actions):
        if not self._actions() & set(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(
            Q(is_superuser=True) | Q(groups__library_role__role=Role.LIBRARIAN), is_active=True
        ).distinct()


register_permission_policy(HarvestSource, HarvestPermissionPolicy(HarvestSource))
register_permission_policy(HarvestRun, HarvestPermissionPolicy(HarvestRun, read_only=True))


class HarvestSourceViewSet(NoGroupPermissionsMixin, ModelViewSet):
    model = HarvestSource
    menu_label = _("Nguồn thu thập")
    icon = "download"
    index_view_class = views.HarvestSourceIndexView
    edit_view_class = views.HarvestSourceEditView
    delete_view_class = views.HarvestSourceDeleteView
    inspect_view_class = views.HarvestSourceInspectView
    history_view_class = views.HarvestSourceHistoryView
    usage_view_class = views.HarvestSourceUsageView
    copy_view_enabled = False
    list_display = ["name", "member_library", "receiving_library", "base_url", "last_status", "last_run_at",
                    "last_datestamp", "next_harvest_at"]
    list_filter = ["last_status", "enabled"]
    search_fields = ["name", "base_url"]
    search_backend_name = None

    def get_form_class(self, for_update=False):
        return HarvestSourceForm


class HarvestRunViewSet(NoGroupPermissionsMixin, ModelViewSet):
    model = HarvestRun
    menu_label = _("Lần thu thập")
    icon = "history"
    index_view_class = views.HarvestRunIndexView
    inspect_view_class = views.HarvestRunInspectView
    edit_view_class = views.HarvestRunEditView
    delete_view_class = views.HarvestRunDeleteView
    history_view_class = views.HarvestRunHistoryView
    usage_view_class = views.HarvestRunUsageView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["message"]
    list_display = [
        "source", "started_at", "finished_at", "status", "created", "updated", "deleted",
        Column("failed", label=_("Lỗi"), accessor="failed"),
    ]
    list_filter = ["status", "source"]
    inspect_view_fields = ["source", "started_at", "finished_at", "status", "full", "from_datestamp",
                           "response_date", "pages", "created", "updated", "unchanged", "deleted", "dropped",
                           "failed", "message"]
    search_fields = ["message"]
    search_backend_name = None


class HarvestAdminGroup(ViewSetGroup):
    menu_label = _("Thu thập OAI-PMH")
    menu_icon = "download"
    menu_order = 270
    items = (HarvestSourceViewSet("harvest_sources"), HarvestRunViewSet("harvest_runs"))


@hooks.register("register_admin_viewset")
def register_harvest_admin():
    return HarvestAdminGroup()
