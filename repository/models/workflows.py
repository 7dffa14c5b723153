"""Workflow task types of Hoclieu's review (Wagtail workflows)."""

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from wagtail.models import LockableMixin, Task, TaskState


def _excluded(task_state):
    """User pks who may not act on `task_state`: its submitter and the owner of the revision."""
    revision_object = task_state.revision.as_object()
    return {task_state.workflow_state.requested_by_id, getattr(revision_object, "owner_id", None)} - {None}


class SubjectGroupReviewTask(Task):
    """Review by the subject group (tổ chuyên môn) of the material's subject, in its own library.

    Unlike Wagtail's GroupApprovalTask, the reviewers are not a fixed group: for each page they are
    resolved from the page's `library` and `subject` (SubjectGroup.for_subject). A page whose
    library has no group for its subject, or whose group holds only the submitter, falls back to the
    library's principals, then its librarians, then the superusers. Nobody acts on the review of
    their own submission (the submitter and the page's owner are left out, on display and on POST).
    The rule lives in repository.review (`review_assignment`, `user_can_review`).

    While a page is on this task it is locked for everyone but its reviewers, as GroupApprovalTask
    does; reviewers may open its editor even without edit permission on the page, and approving
    publishes it without the reviewer needing publish permission (Wagtail publishes the revision
    when the workflow finishes).
    """

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = _("Duyệt bởi tổ chuyên môn")
        verbose_name_plural = _("Duyệt bởi tổ chuyên môn")

    # --- who reviews ---------------------------------------------------------------------------

    def user_is_reviewer(self, obj, user):
        """True if `user` reviews page `obj` on this task (cached on `user` for the request)."""
        from ..review import page_under_review, user_can_review

        if not user.is_authenticated or not user.is_active:
            return False
        cache = user.__dict__.setdefault("_hoclieu_review_checks", {})
        key = (self.pk, obj.pk, getattr(obj, "latest_revision_id", None))
        if key not in cache:
            cache[key] = user_can_review(user, page_under_review(obj))
        return cache[key]

    def start(self, workflow_state, user=None):
        """Start the task; a lock held by someone who is not a reviewer of the page is released."""
        from ..review import user_can_review

        obj = workflow_state.content_object
        if isinstance(obj, LockableMixin) and obj.locked_by_id:
            latest = obj.specific.get_latest_revision_as_object()
            excluded = {workflow_state.requested_by_id, latest.owner_id} - {None}
            if not user_can_review(obj.locked_by, latest, excluded):
                obj.locked, obj.locked_by, obj.locked_at = False, None, None
                obj.save(update_fields=["locked", "locked_by", "locked_at"])
        return super().start(workflow_state, user=user)

    def user_can_access_editor(self, obj, user):
        return self.user_is_reviewer(obj, user)

    def locked_for_user(self, obj, user):
        return not self.user_is_reviewer(obj, user)

    def user_can_lock(self, obj, user):
        return self.user_is_reviewer(obj, user)

    def user_can_unlock(self, obj, user):
        return False

    def get_actions(self, obj, user):
        if not self.user_is_reviewer(obj, user):
            return []
        return [
            ("reject", _("Yêu cầu chỉnh sửa"), True),
            ("approve", _("Duyệt"), False),
            ("approve", _("Duyệt kèm nhận xét"), True),
        ]

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        """Approve or send back `task_state`, after checking `user` reviews *its* page.

        Wagtail's workflow action view checks get_actions() against the page in the URL, but takes
        the task state from another URL argument; the check is repeated here against the page of the
        task state so a reviewer cannot act on another page's review by editing the URL.

        Raises PermissionDenied when the user is not a reviewer of that page or the task state is
        not one of this task's.
        """
        from ..review import user_can_review

        if task_state.task_id != self.pk or not user_can_review(
            user, task_state.revision.as_object(), _excluded(task_state)
        ):
            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        """In-progress task states of this task whose page `user` reviews (the dashboard's list)."""
        from ..access import user_library_ids
        from ..review import user_can_review
        from .libraries import LibraryIndexPage
        from .materials import MaterialPage

        in_progress = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if not user.is_authenticated or not user.is_active:
            return TaskState.objects.none()
        if user.is_superuser:
            return in_progress.exclude(workflow_state__requested_by=user)
        # Only pages of the user's own libraries can be theirs to review; check those one by one.
        library_ids = user_library_ids(user)
        if not library_ids:
            return TaskState.objects.none()
        page_ids = [
            model.objects.filter(library_id__in=library_ids)
            .annotate(pk_text=Cast("pk", models.CharField()))
            .values("pk_text")
            for model in (MaterialPage, LibraryIndexPage)
        ]
        candidates = in_progress.filter(
            Q(workflow_state__object_id__in=page_ids[0]) | Q(workflow_state__object_id__in=page_ids[1])
        ).select_related("revision", "workflow_state")
        allowed = [
            ts.pk for ts in candidates if user_can_review(user, ts.revision.as_object(), _excluded(ts))
        ]
        return self.task_states.filter(pk__in=allowed)

    @classmethod
    def get_description(cls):
        return _(
            "Tổ chuyên môn phụ trách môn của học liệu, trong thư viện của học liệu, duyệt; "
            "thư viện chưa có tổ cho môn đó thì ban giám hiệu duyệt."
        )
