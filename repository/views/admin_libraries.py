"""Admin screens for libraries, library networks and subject groups (used by wagtail_hooks.admin).

Wagtail's generic model views check model-level permissions only; the subject-group views here also
limit every object they show or change to the ones the permission policy gives the user, so a
librarian of one library gets 404 for another library's subject group, whatever the URL.
"""

from django.db import transaction
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.permissions import policy_registry

from ..review import delete_subject_group
from ..roles import setup_library

OBJECT_ACTIONS = ["add", "change", "delete", "view"]


class LibraryCreateView(generic.CreateView):
    """Create a library and, in the same transaction, all it needs (repository.roles.setup_library):
    its index page, collection, role groups and their permissions."""

    @transaction.atomic
    def save_instance(self):
        library = super().save_instance()
        setup_library(library)
        return library


def scoped_queryset(view):
    """The objects of `view.model` the policy lets the request's user act on (any action)."""
    return policy_registry.get_by_type(view.model).instances_user_has_any_permission_for(
        view.request.user, OBJECT_ACTIONS
    )


class ScopedIndexMixin:
    """Index: list only the objects the user may act on."""

    def get_base_queryset(self):
        return scoped_queryset(self)


class ScopedObjectMixin:
    """Single-object views: 404 for an object the user may not act on."""

    def get_queryset(self):  # Django's SingleObjectMixin (edit, delete)
        return scoped_queryset(self)

    def get_base_object_queryset(self):  # Wagtail's BaseObjectMixin (history, usage)
        return scoped_queryset(self)


class SubjectGroupIndexView(ScopedIndexMixin, generic.IndexView):
    pass


class SubjectGroupEditView(ScopedObjectMixin, generic.EditView):
    pass


class SubjectGroupDeleteView(ScopedObjectMixin, generic.DeleteView):
    def delete_action(self):
        """Delete the group together with its Wagtail group, pruning its members' reviewer role."""
        delete_subject_group(self.object)


class SubjectGroupHistoryView(ScopedObjectMixin, HistoryView):
    pass


class SubjectGroupUsageView(ScopedObjectMixin, UsageView):
    pass
