"""Wagtail hooks: review (subject-group review workflow).

- The review e-mail receiver belongs in RepositoryConfig.ready() through
  repository.signal_handlers.register_signal_handlers(); connecting it here too keeps the admin's
  submissions notified until then (the connection is idempotent: it has a dispatch_uid).
- After a material is saved in the admin while it is on the subject-group review task, the editor
  is told who reviews it, and why when the review did not go to the subject group (no group for
  the subject, or a group of only the submitter: repository.review.review_assignment).
"""

from django.contrib import messages
from django.utils.translation import gettext
from wagtail import hooks

from ..models import MaterialPage, SubjectGroupReviewTask
from ..review import ReviewRoute, page_under_review, register_signal_handlers, review_assignment

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
    """Add a message naming the reviewers of `page` when it is (now) on SubjectGroupReviewTask."""
    if not isinstance(page.specific, MaterialPage):
        return
    task_state = page.current_workflow_task_state
    if task_state is None or not isinstance(task_state.task.specific, SubjectGroupReviewTask):
        return
    assignment = review_assignment(page_under_review(page))
    text = gettext("%(why)s Người duyệt: %(names)s.") % {
        "why": assignment.explanation(), "names": _names(assignment.reviewers) or "—",
    }
    if assignment.route == ReviewRoute.SUBJECT_GROUP:
        messages.info(request, text)
    else:
        messages.warning(request, text)

