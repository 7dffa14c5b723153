"""Wagtail hooks: admin for libraries and their people.

Menu "Quản lí thư viện" with "Thư viện" and "Liên thông" (superusers only) and "Tổ chuyên môn"
(superusers, and each library's librarians for their own library's groups).

The permission policies are registered here, before the viewsets, because Wagtail creates a
fallback policy for a model the first time one is asked for.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from ..access import user_library_ids
from ..admin_forms import SubjectGroupForm
from ..choices import Role
from ..models import Library, LibraryNetwork, SubjectGroup
from ..views import admin_libraries as views


class SuperuserOnlyPermissionPolicy(BasePermissionPolicy):
    """Only active superusers may perform `actions` on the model; nobody else, whatever their
    Django permissions (libraries and networks are set up centrally)."""

    def __init__(self, model, actions=("add", "change", "delete", "view")):
        super().__init__(model)
        self.actions = frozenset(actions)

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser and action in self.actions)

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


class LibrarianScopedPermissionPolicy(BasePermissionPolicy):
    """Superusers act on every object; a library's librarians (Role.LIBRARIAN) on the objects whose
    `library` is theirs; nobody else on any."""

    def _library_ids(self, user):
        return user_library_ids(user, [Role.LIBRARIAN])

    def user_has_permission(self, user, action):
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_superuser or bool(self._library_ids(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return user.is_superuser or instance.library_id in self._library_ids(user)

    def instances_user_has_any_permission_for(self, user, actions):
        objects = self.model._default_manager.all()
        if not self.user_has_any_permission(user, actions):
            return objects.none()
        if user.is_superuser:
            return objects
        return objects.filter(library_id__in=self._library_ids(user))

    def _users(self, libraries=None):
        librarians = Q(groups__library_role__role=Role.LIBRARIAN)
        if libraries is not None:
            librarians &= Q(groups__library_role__library__in=libraries)
        return get_user_model().objects.filter(Q(is_superuser=True) | librarians, is_active=True).distinct()

    def users_with_any_permission(self, actions):
        return self._users()

    def users_with_any_permission_for_instance(self, actions, instance):
        return self._users([instance.library_id])


register_permission_policy(Library, SuperuserOnlyPermissionPolicy(Library, ("add", "change", "view")))
register_permission_policy(LibraryNetwork, SuperuserOnlyPermissionPolicy(LibraryNetwork))
register_permission_policy(SubjectGroup, LibrarianScopedPermissionPolicy(SubjectGroup))


class NoGroupPermissionsMixin:
    """Nothing to tick in Settings › Groups: these policies do not read Django permissions."""

    def get_permissions_to_register(self):
        return Permission.objects.none()


# What binds a library's data are keys (Library.collection, LibraryRoleGroup, SubjectGroup.library),
# not names; its code, which names its groups and its index page's address when they are made and
# which people and `import_materials --library` use, stays as created so that those keep matching.
FIXED_CODE_HELP = _("Mã thư viện không đổi sau khi tạo; tên thư viện thì đổi được.")


class LibraryViewSet(NoGroupPermissionsMixin, ModelViewSet):
    """Libraries; creating one also sets it up (index page, collection, role groups).
    Deleting is not offered: a library's pages and files protect it."""

    model = Library
    menu_label = _("Thư viện")
    icon = "home"
    add_view_class = views.LibraryCreateView
    form_fields = ["name", "code", "district", "province", "network", "review_chain"]
    list_display = ["name", "code", "district", "province", "network", "review_chain"]
    list_filter = ["network", "province"]
    search_fields = ["name", "code", "district", "province"]
    search_backend_name = None  # plain QuerySet search: these models are not in a search index
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        """The create form; on edit, the same form with `code` shown but not changeable."""
        form_class = super().get_form_class(for_update=for_update)
        if not for_update:
            return form_class

        class LibraryEditForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["code"].disabled = True
                self.fields["code"].help_text = FIXED_CODE_HELP

        return LibraryEditForm


class LibraryNetworkViewSet(NoGroupPermissionsMixin, ModelViewSet):
    model = LibraryNetwork
    menu_label = _("Liên thông")
    icon = "group"
    form_fields = ["name", "code", "hub"]
    list_display = ["name", "code", "hub", Column("libraries", label=_("Số thư viện"),
                                           accessor=lambda network: network.libraries.count())]
    search_fields = ["name", "code"]
    search_backend_name = None
    copy_view_enabled = False


class SubjectGroupViewSet(NoGroupPermissionsMixin, ModelViewSet):
    """Subject groups: members, leader, subjects; librarians see and edit only their library's."""

    model = SubjectGroup
    menu_label = _("Tổ chuyên môn")
    icon = "user"
    index_view_class = views.SubjectGroupIndexView
    edit_view_class = views.SubjectGroupEditView
    delete_view_class = views.SubjectGroupDeleteView
    history_view_class = views.SubjectGroupHistoryView
    usage_view_class = views.SubjectGroupUsageView
    copy_view_enabled = False
    list_display = [
        "name",
        "library",
        Column("subjects", label=_("Môn học"), accessor=lambda g: ", ".join(map(str, g.subject_labels()))),
        "leader",
    ]
    list_filter = ["library"]
    search_fields = ["name"]
    search_backend_name = None

    def get_form_class(self, for_update=False):
        return SubjectGroupForm


class LibraryAdminGroup(ViewSetGroup):
    menu_label = _("Quản lí thư viện")
    menu_icon = "site"
    menu_order = 250
    items = (
        LibraryViewSet("libraries"),
        SubjectGroupViewSet("subject_groups"),
        LibraryNetworkViewSet("library_networks"),
    )


@hooks.register("register_admin_viewset")
def register_library_admin():
    return LibraryAdminGroup()
