"""Dashboard panels of the review (issue 9, item 2), in place of Wagtail's two workflow panels:

- `AwaitingMyReviewPanel` "Chờ tôi duyệt": the review steps the user may act on now (every task's
  `get_task_states_user_can_moderate`, so the same people as on POST), oldest first, with how long
  each has waited, the step, the submitter and the library;
- `MySubmissionsPanel` "Bài của tôi": the user's own materials (owner or submitter), newest first,
  with where each stands (draft, at which review step, changes requested, published) and the last
  reviewer comment (repository.review.latest_review_comment).
"""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component
from wagtail.models import TaskState, WorkflowState

from ..models import MaterialPage
from ..review import latest_review_comment

MAX_ROWS = 30


class AwaitingMyReviewPanel(Component):
    """Rows {"page", "edit_url", "step", "submitter", "started_at", "waiting" (a timedelta),
    "library"}: in-progress review steps of materials the user may act on, oldest first."""

    name = "hoclieu_awaiting_my_review"
    template_name = "repository/admin/dashboard/awaiting_my_review.html"
    order = 200

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        context = super().get_context_data(parent_context)
        states = (
            TaskState.objects.reviewable_by(request.user)
            .filter(status=TaskState.STATUS_IN_PROGRESS)
            .select_related("task", "workflow_state__requested_by")
            .order_by("started_at", "pk")[:MAX_ROWS]
        )
        page_ids = [int(state.workflow_state.object_id) for state in states]
        pages = MaterialPage.objects.filter(pk__in=page_ids).select_related("library").in_bulk()
        now = timezone.now()
        rows = []
        for state in states:
            page = pages.get(int(state.workflow_state.object_id))
            if page is None:
                continue
            submitter = state.workflow_state.requested_by
            rows.append({
                "page": page,
                "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
                "step": state.task.name,
                "submitter": (submitter.get_full_name() or submitter.get_username()) if submitter else "—",
                "started_at": state.started_at,
                "waiting": now - state.started_at,
                "library": page.library,
            })
        context["rows"] = rows
        return context


def submission_status(page):
    """Where `page` stands for its author: (code, label) with code one of "draft", "in_review",
    "needs_changes", "live"; the label names the review step when it is in review."""
    workflow_state = page.current_workflow_state
    if workflow_state is not None and workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        return "needs_changes", _("Cần chỉnh sửa")
    if workflow_state is not None and workflow_state.status == WorkflowState.STATUS_IN_PROGRESS:
        task = page.current_workflow_task
        return "in_review", _("Đang chờ duyệt: %(step)s") % {"step": task.name if task else "—"}
    if page.live and not page.has_unpublished_changes:
        return "live", _("Đã đăng")
    if page.live:
        return "draft", _("Đã đăng; có bản nháp chưa gửi duyệt")
    return "draft", _("Bản nháp")


class MySubmissionsPanel(Component):
    """Rows {"page", "edit_url", "status", "status_label", "comment" (a TaskState or None)}: the
    user's materials, latest change first."""

    name = "hoclieu_my_submissions"
    template_name = "repository/admin/dashboard/my_submissions.html"
    order = 210

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        context = super().get_context_data(parent_context)
        user = request.user
        submitted = WorkflowState.objects.filter(requested_by=user).values("object_id")
        pages = (
            MaterialPage.objects.filter(Q(owner=user) | Q(pk__in=[int(pk) for pk in submitted.values_list(
                "object_id", flat=True)]))
            .order_by("-latest_revision_created_at", "-pk")[:MAX_ROWS]
        )
        rows = []
        for page in pages:
            status, label = submission_status(page)
            rows.append({
                "page": page,
                "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
                "status": status,
                "status_label": label,
                "comment": latest_review_comment(page),
            })
        context["rows"] = rows
        return context
