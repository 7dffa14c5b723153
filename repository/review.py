"""Who reviews a material, and the e-mail that tells them a material awaits review.

The rule (DESIGN.md "review workflow"): a material is reviewed by the subject group (tổ chuyên môn)
of its own library in charge of its subject (SubjectGroup.for_subject); when the library has no
group for that subject, by the library's principals (ban giám hiệu). Superusers may always act.
Reviewers of another library, or of another subject group, may not.

The subject is read from the version under review (the revision a task state holds), not from the
live page: a teacher who moves a published Toán lesson to Ngữ văn in a draft sends it to Ngữ văn.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from wagtail.admin.mail import GroupApprovalTaskStateSubmissionEmailNotifier
from wagtail.models import TaskState
from wagtail.signals import task_submitted

from .choices import Role
from .models import LibraryRoleGroup, SubjectGroup


def review_target(page):
    """(library_id, subject) that decide who reviews `page` (any Page; its specific fields are read).

    `library_id` is None for pages outside a library (the home page); `subject` is None for pages
    without a subject (a LibraryIndexPage).
    """
    specific = page.specific  # no query when `page` is already specific
    library_id = getattr(specific, "library_id", None)
    if library_id is None and getattr(specific, "pk", None):
        # A material saved before its `library` was copied from the parent.
        parent = specific.get_parent()
        library_id = getattr(parent.specific, "library_id", None) if parent else None
    return library_id, getattr(specific, "subject", None) or None


def reviewer_group_for(page):
    """The SubjectGroup reviewing `page`, or None when its library has no group for its subject."""
    library_id, subject = review_target(page)
    if library_id is None or subject is None:
        return None
    return SubjectGroup.for_subject(library_id, subject)


def reviewers_for(page):
    """QuerySet of the users who review `page` (superusers not included).

    The members (and leader) of the subject group of the page's library in charge of its subject;
    when there is none, the users holding Role.PRINCIPAL in that library; none for a page outside
    any library.
    """
    User = get_user_model()
    subject_group = reviewer_group_for(page)
    if subject_group is not None:
        q = Q(groups=subject_group.group_id)
        if subject_group.leader_id:
            q |= Q(pk=subject_group.leader_id)
        return User.objects.filter(q, is_active=True).distinct()
    library_id, _subject = review_target(page)
    if library_id is None:
        return User.objects.none()
    principals = LibraryRoleGroup.objects.filter(library_id=library_id, role=Role.PRINCIPAL)
    return User.objects.filter(groups__library_role__in=principals, is_active=True).distinct()


def user_can_review(user, page):
    """True if `user` may approve, send back or comment on the review of `page` (module rule)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return reviewers_for(page).filter(pk=user.pk).exists()


def page_under_review(page):
    """The version of `page` its current review is about: the revision of the current task state.

    Falls back to the latest revision (a workflow being started), then to `page` itself.
    """
    task_state = page.current_workflow_task_state
    if task_state is not None:
        return task_state.revision.as_object()
    return page.specific.get_latest_revision_as_object()


class SubjectGroupReviewSubmissionEmailNotifier(GroupApprovalTaskStateSubmissionEmailNotifier):
    """E-mails the per-page reviewers (and superusers) when a material enters SubjectGroupReviewTask.

    Wagtail's own task notifier only handles group-approval tasks, whose reviewers are a fixed set of
    groups. The approved / rejected e-mails to the submitter are Wagtail's workflow notifiers and need
    nothing from us. Templates: wagtailadmin/notifications/task_state_submitted*.
    """

    def can_handle(self, instance, **kwargs):
        from .models import SubjectGroupReviewTask

        return isinstance(instance, TaskState) and isinstance(
            instance.task.specific, SubjectGroupReviewTask
        )

    def get_recipient_users(self, task_state, **kwargs):
        triggering_user = kwargs.get("user")
        recipients = set(reviewers_for(task_state.revision.as_object()))
        if getattr(settings, "WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS", True):
            recipients |= set(get_user_model().objects.filter(is_superuser=True, is_active=True))
        if triggering_user is not None:
            recipients.discard(triggering_user)
        return recipients


review_submission_email_notifier = SubjectGroupReviewSubmissionEmailNotifier()


def register_signal_handlers():
    """Connect the review e-mail notifier to Wagtail's `task_submitted` signal (idempotent)."""
    task_submitted.connect(
        review_submission_email_notifier,
        sender=TaskState,
        dispatch_uid="hoclieu_subject_group_review_submitted_email",
    )


@transaction.atomic
def set_members(subject_group, users):
    """Make `users` (an iterable of users) plus the leader exactly the members of `subject_group`.

    Members are the users of the group's own Wagtail group; each also gets the library's reviewer
    role (Role.REVIEWER), which opens the admin to them. Someone removed keeps that role only while
    they are still in another subject group of the same library. Returns the set of members.
    """
    members = set(users)
    if subject_group.leader_id:
        members.add(subject_group.leader)
    group = subject_group.group
    current = set(group.user_set.all())
    group.user_set.remove(*(current - members))
    group.user_set.add(*(members - current))
    reviewer_role = subject_group.library.role_group(Role.REVIEWER)
    reviewer_role.user_set.add(*members)
    _prune_reviewer_role(subject_group.library, current - members)
    return members


@transaction.atomic
def delete_subject_group(subject_group):
    """Delete `subject_group` with its own Wagtail group; its members lose the reviewer role unless
    they are in another subject group of the library."""
    library, group = subject_group.library, subject_group.group
    former = set(group.user_set.all())
    subject_group.delete()
    group.delete()
    _prune_reviewer_role(library, former)


def _prune_reviewer_role(library, users):
    reviewer_role = library.role_group(Role.REVIEWER)
    for user in users:
        if not SubjectGroup.objects.filter(library=library, group__user=user).exists():
            reviewer_role.user_set.remove(user)
