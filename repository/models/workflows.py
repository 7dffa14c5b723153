"""Workflow task types of Hoclieu's review (Wagtail workflows): the chain a library configures.

The site has one workflow (repository.roles.ensure_review_workflow) of two steps, in order:
SubjectGroupReviewTask (the subject group, tổ chuyên môn) then PrincipalSignOffTask (the principal,
ban giám hiệu). A library whose chain is the subject group only (Library.review_chain) has the
second step skipped. A reviewer approves, approves with a comment, or requests changes with a
required reason; after changes the teacher resubmits and the review starts again at the first step.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.forms import TaskStateCommentForm
from wagtail.models import LockableMixin, Task, TaskState, WorkflowTask


def _excluded(task_state):
    """User pks who may not act on `task_state`: its submitter and the owner of the revision."""
    revision_object = task_state.revision.as_object()
    return {task_state.workflow_state.requested_by_id, getattr(revision_object, "owner_id", None)} - {None}


class RequestChangesForm(TaskStateCommentForm):
    """The reviewer's reason for sending a material back: required (the teacher must know why)."""

    comment = forms.CharField(
        label=_("Lí do cần chỉnh sửa"), required=True, widget=forms.Textarea({"rows": 3}),
        error_messages={"required": _("Hãy ghi lí do để giáo viên biết cần sửa gì.")},
    )


class ApproveWithCommentForm(TaskStateCommentForm):
    """An optional comment with an approval."""

    comment = forms.CharField(label=_("Nhận xét"), required=False, widget=forms.Textarea({"rows": 3}))


class ReviewStepMixin:
    """What the review steps share; a step says who may act on a page with `user_may_act`.

    - Reviewers are resolved per page (not a fixed group), from the version under review
      (repository.review.page_under_review); nobody acts on the review of their own submission
      (the submitter and the page's owner are left out, on display and on POST).
    - While a page is on the step it is locked for everyone but its reviewers, as GroupApprovalTask
      does; reviewers may open its editor without edit permission on the page; approving the last
      step publishes it (WAGTAIL_FINISH_WORKFLOW_ACTION) without publish permission of their own.
    - Actions: "Yêu cầu chỉnh sửa" (reject; a reason is required), "Duyệt", "Duyệt kèm nhận xét".
    - A step started while an earlier step of the workflow has no approval of the latest revision
      (a resubmission after changes were requested at a later step) starts the first such step
      instead: review starts again at the first step.
    """

    approve_label = _("Duyệt")

    def user_may_act(self, user, page, exclude=None):
        """True if `user` may act on this step for `page` (a version under review); `exclude` is
        a set of user pks left out (default: repository.review.excluded_from_review(page))."""
        raise NotImplementedError

    def user_is_reviewer(self, obj, user):
        """True if `user` reviews page `obj` on this step (cached on `user` for the request)."""
        from ..review import page_under_review

        if not user.is_authenticated or not user.is_active:
            return False
        cache = user.__dict__.setdefault("_hoclieu_review_checks", {})
        key = (self.pk, obj.pk, getattr(obj, "latest_revision_id", None))
        if key not in cache:
            cache[key] = self.user_may_act(user, page_under_review(obj))
        return cache[key]

    def _earlier_step_to_redo(self, workflow_state):
        """The first active step before this one with no approval (or skip) of the latest revision,
        or None."""
        mine = WorkflowTask.objects.filter(workflow_id=workflow_state.workflow_id, task_id=self.pk).first()
        if mine is None:
            return None
        done = workflow_state.successful_task_states.values("task_id")
        return (
            Task.objects.filter(workflow_tasks__workflow_id=workflow_state.workflow_id,
                                workflow_tasks__sort_order__lt=mine.sort_order, active=True)
            .exclude(pk__in=done)
            .order_by("workflow_tasks__sort_order")
            .first()
        )

    def start(self, workflow_state, user=None):
        """Start this step (or an earlier one to redo, see the class docstring); a lock held by
        someone who may not act on the page is released."""
        earlier = self._earlier_step_to_redo(workflow_state)
        if earlier is not None:
            return earlier.specific.start(workflow_state, user=user)
        obj = workflow_state.content_object
        if isinstance(obj, LockableMixin) and obj.locked_by_id:
            latest = obj.specific.get_latest_revision_as_object()
            excluded = {workflow_state.requested_by_id, latest.owner_id} - {None}
            if not self.user_may_act(obj.locked_by, latest, excluded):
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
            ("approve", self.approve_label, False),
            ("approve", _("Duyệt kèm nhận xét"), True),
        ]

    def get_form_for_action(self, action):
        return RequestChangesForm if action == "reject" else ApproveWithCommentForm

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        """Approve or send back `task_state`, after checking `user` may act on *its* page.

        Wagtail's workflow action view checks get_actions() against the page in the URL, but takes
        the task state from another URL argument; the check is repeated here against the page of the
        task state so a reviewer cannot act on another page's review by editing the URL.

        Raises PermissionDenied when the user may not act on that page, the task state is not one of
        this step's, or changes are requested without a reason.
        """
        if task_state.task_id != self.pk or not self.user_may_act(
            user, task_state.revision.as_object(), _excluded(task_state)
        ):
            raise PermissionDenied
        if action_name == "reject" and not (kwargs.get("comment") or "").strip():
            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        """In-progress task states of this step whose page `user` may act on (the dashboard's list)."""
        from ..access import user_library_ids
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
            ts.pk for ts in candidates if self.user_may_act(user, ts.revision.as_object(), _excluded(ts))
        ]
        return self.task_states.filter(pk__in=allowed)


class SubjectGroupReviewTask(ReviewStepMixin, Task):
    """Review by the subject group (tổ chuyên môn) of the material's subject, in its own library.

    Unlike Wagtail's GroupApprovalTask, the reviewers are not a fixed group: for each page they are
    resolved from the page's `library` and `subject` (SubjectGroup.for_subject). A page whose
    library has no group for its subject, or whose group holds only the submitter, falls back to the
    library's principals, then its librarians, then the superusers. The rule lives in
    repository.review (`review_assignment`, `user_can_review`); the rest in ReviewStepMixin.
    """

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = _("Duyệt bởi tổ chuyên môn")
        verbose_name_plural = _("Duyệt bởi tổ chuyên môn")

    def user_may_act(self, user, page, exclude=None):
        from ..review import user_can_review

        return user_can_review(user, page, exclude)

    @classmethod
    def get_description(cls):
        return _(
            "Tổ chuyên môn phụ trách môn của học liệu, trong thư viện của học liệu, duyệt; "
            "thư viện chưa có tổ cho môn đó thì ban giám hiệu duyệt."
        )


class PrincipalSignOffTask(ReviewStepMixin, Task):
    """Sign-off by the principal (ban giám hiệu) of the material's library, after the subject group.

    Only for libraries whose chain asks for it (Library.review_chain); for the others the step is
    skipped as it starts (its task state is marked skipped, so the workflow finishes). The principals
    of the page's library act, never on their own submission; a library with no other principal
    falls back to the superusers (repository.review.sign_off_assignment). On the final approval the
    material is published and, for PDF lesson plans and slides, signed (repository.signatures).
    """

    admin_form_fields = Task.admin_form_fields
    approve_label = _("Ký duyệt")

    class Meta:
        verbose_name = _("Ký duyệt bởi ban giám hiệu")
        verbose_name_plural = _("Ký duyệt bởi ban giám hiệu")

    def user_may_act(self, user, page, exclude=None):
        from ..review import user_can_sign_off

        return user_can_sign_off(user, page, exclude)

    def start(self, workflow_state, user=None):
        """Start the sign-off; for a library that does not ask for it, record the step as skipped
        (a TaskState with status skipped, no e-mail), so the workflow finishes."""
        from ..review import review_target
        from .libraries import Library

        if self._earlier_step_to_redo(workflow_state) is None:
            library_id, _subject = review_target(workflow_state.content_object)
            library = Library.objects.filter(pk=library_id).first() if library_id else None
            if library is not None and not library.principal_signs_off:
                return TaskState.objects.create(
                    workflow_state=workflow_state, task=self, status=TaskState.STATUS_SKIPPED,
                    revision=workflow_state.content_object.get_latest_revision(), finished_at=timezone.now(),
                )
        return super().start(workflow_state, user=user)

    @classmethod
    def get_description(cls):
        return _(
            "Ban giám hiệu của thư viện ký duyệt học liệu đã được tổ chuyên môn duyệt; "
            "bỏ qua với thư viện chỉ cần tổ chuyên môn duyệt."
        )
