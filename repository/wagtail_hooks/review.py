"""Wagtail hooks: review (the subject group's review, then the principal's sign-off where a library asks).

- The review e-mail receiver belongs in RepositoryConfig.ready() through
  repository.signal_handlers.register_signal_handlers(); connecting it here too keeps the admin's
  submissions notified until then (the connection is idempotent: it has a dispatch_uid).
- After a material is saved in the admin while it is on the subject-group review task, the editor
  is told who reviews it, and why when the review did not go to the subject group (no group for
  the subject, or a group of only the submitter: repository.review.review_assignment); on the
  principal's sign-off step, who signs off (repository.review.sign_off_assignment).
- Opening a material's editor shows the latest reviewer comment of its review at the top (who, step,
  when, why): repository.review.latest_review_comment.
- The dashboard's "Chờ tôi duyệt" and "Bài của tôi" (repository.views.review_dashboard) replace
  Wagtail's two workflow panels.
- "Quy trình duyệt" (Settings menu): each library's review chain, for its principals and librarians
  (repository.views.review_chain).
"""

from django.contrib import messages
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import TaskState

from ..models import MaterialPage, PrincipalSignOffTask, SubjectGroupReviewTask
from ..review import (
    ReviewRoute,
    latest_review_comment,
    page_under_review,
    register_signal_handlers,
    review_assignment,
    sign_off_assignment,
)
from ..views.review_chain import ReviewChainView, chain_libraries
from ..views.review_dashboard import AwaitingMyReviewPanel, MySubmissionsPanel

# Wagtail's own dashboard panels that Hoclieu's review panels replace.
REPLACED_HOMEPAGE_PANELS = {"workflow_objects_to_moderate", "user_objects_in_workflow_moderation"}

register_signal_handlers()

MAX_NAMES = 5


def _names(users):
    names = [user.get_full_name() or user.get_username() for user in users[: MAX_NAMES + 1]]
    if len(names) > MAX_NAMES:
        names[MAX_NAMES:] = ["…"]
    return ", ".join(names)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def tell_who_reviews(request, page):
    """Add a message naming the reviewers of `page` when it is (now) on a review step
    (SubjectGroupReviewTask or PrincipalSignOffTask)."""
    if not isinstance(page.specific, MaterialPage):
        return
    task_state = page.current_workflow_task_state
    if task_state is None:
        return
    task = task_state.task.specific
    if isinstance(task, SubjectGroupReviewTask):
        assignment = review_assignment(page_under_review(page))
    elif isinstance(task, PrincipalSignOffTask):
        assignment = sign_off_assignment(page_under_review(page))
    else:
        return
    text = gettext("%(why)s Người duyệt: %(names)s.") % {
        "why": assignment.explanation(), "names": _names(assignment.reviewers) or "—",
    }
    if assignment.route in (ReviewRoute.SUBJECT_GROUP, ReviewRoute.PRINCIPAL):
        messages.info(request, text)
    else:
        messages.warning(request, text)



@hooks.register("before_edit_page")
def show_latest_review_comment(request, page):
    """On opening a material's editor, the latest reviewer's comment of its review, with who wrote it,
    at which step and when, at the top of the page (a message), so the teacher reads why it came back."""
    if request.method != "GET" or not isinstance(page.specific, MaterialPage):
        return
    task_state = latest_review_comment(page)
    if task_state is None:
        return
    reviewer = task_state.finished_by
    values = {
        "reviewer": (reviewer.get_full_name() or reviewer.get_username()) if reviewer else "—",
        "step": task_state.task.name,
        "when": date_format(localtime(task_state.finished_at), "SHORT_DATETIME_FORMAT"),
        "comment": task_state.comment,
    }
    if task_state.status == TaskState.STATUS_REJECTED:
        text = gettext("%(reviewer)s (%(step)s, %(when)s) yêu cầu chỉnh sửa: “%(comment)s”")
        messages.warning(request, text % values)
    else:
        messages.info(request, gettext("%(reviewer)s (%(step)s, %(when)s) nhận xét: “%(comment)s”") % values)


@hooks.register("construct_homepage_panels")
def review_dashboard_panels(request, panels):
    """"Chờ tôi duyệt" and "Bài của tôi" (repository.views.review_dashboard) instead of Wagtail's
    "Awaiting your review" and "Your pages in a workflow"."""
    panels[:] = [panel for panel in panels if getattr(panel, "name", "") not in REPLACED_HOMEPAGE_PANELS]
    panels.extend([AwaitingMyReviewPanel(), MySubmissionsPanel()])


@hooks.register("register_admin_urls")
def register_review_chain_urls():
    return [path("hoclieu/quy-trinh-duyet/", ReviewChainView.as_view(), name="hoclieu_review_chain")]


class ReviewChainMenuItem(MenuItem):
    """Shown to those who may set a library's review chain (repository.views.review_chain)."""

    def is_shown(self, request):
        return chain_libraries(request.user).exists()


@hooks.register("register_settings_menu_item")
def register_review_chain_menu_item():
    return ReviewChainMenuItem(_("Quy trình duyệt"), reverse("hoclieu_review_chain"), icon_name="tasks",
                               order=610)
