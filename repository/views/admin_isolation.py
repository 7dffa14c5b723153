"""Bulk actions in the admin, limited to the pages, files and users of the user's libraries.

Wagtail's bulk-action views list, on their confirmation screen, every object named by an `id`
parameter (or by `id=all` under a parent), including those the user may not act on, by title.
`bulk_action` answers at the same URL (`wagtail_bulk_action`, shadowed in repository.admin_urls):
it runs the same registered action class, with the objects the user may not know about
(repository.permissions) removed before anything is shown or done.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.http import Http404
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.documents import get_document_model
from wagtail.models import Page

from ..permissions import admin_documents, admin_pages, admin_users, sees_all_libraries


def known_objects(user, model):
    """QuerySet of the `model` objects `user` may know about in the admin, or None when `model` is not
    one Hoclieu isolates (pages, material files, users)."""
    if issubclass(model, Page):
        return admin_pages(user)
    if issubclass(model, get_document_model()):
        return admin_documents(user)
    if issubclass(model, get_user_model()):
        return admin_users(user)
    return None


class LibraryScopedBulkActionMixin:
    """Drops, from a bulk action's objects and its "no access" list, what the user may not know."""

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        user = self.request.user
        known = None if sees_all_libraries(user) else known_objects(user, self.model)
        if known is None:
            return objects, extra
        named = [obj.pk for obj in objects] + [obj.pk for obj in extra.get("items_with_no_access", [])]
        known_ids = set(known.filter(pk__in=named).values_list("pk", flat=True))
        objects = [obj for obj in objects if obj.pk in known_ids]
        extra["items_with_no_access"] = [
            obj for obj in extra.get("items_with_no_access", []) if obj.pk in known_ids
        ]
        return objects, extra


def bulk_action(request, app_label, model_name, action):
    """Run the registered bulk action `action` on `app_label.model_name`, library-scoped; 404 for an
    unknown model or action (as Wagtail's dispatcher)."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    action_class = bulk_action_registry.get_bulk_action_class(app_label, model_name, action)
    if action_class is None:
        raise Http404
    scoped_class = type(
        f"LibraryScoped{action_class.__name__}", (LibraryScopedBulkActionMixin, action_class), {}
    )
    return scoped_class(request, model).dispatch(request)
