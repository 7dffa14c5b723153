"""Who reviews a material, and the e-mail that tells them a material awaits review.

The rule (DESIGN.md "review workflow"): a material is reviewed by the subject group (tổ chuyên môn)
of its own library in charge of its subject (SubjectGroup.for_subject); when the library has no
group for that subject, or the group holds nobody but the submitter, by the library's principals
(ban giám hiệu), then its librarians, then the superusers (review_assignment). Nobody reviews their
own submission: the submitter and the page's owner are left out at every step, superusers included.
Reviewers of another library, or of another subject group, may not act.

The subject is read from the version under review (the revision a task state holds), not from the
live page: a teacher who moves a published Toán lesson to Ngữ văn in a draft sends it to Ngữ văn.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
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


class ReviewRoute(models.TextChoices):
    """Who a material's review went to, in the order they are tried (review_assignment)."""

    SUBJECT_GROUP = "subject_group", _("Tổ chuyên môn")
    PRINCIPAL = "principal", _("Ban giám hiệu")
    LIBRARIAN = "librarian", _("Cán bộ thư viện")
    SUPERUSER = "superuser", _("Quản trị hệ thống")


@dataclass(frozen=True)
class ReviewAssignment:
    """The reviewers of one material and why them.

    `reviewers`: QuerySet of active users (superusers only on the SUPERUSER route); `route`: a
    ReviewRoute; `subject_group`: the SubjectGroup of the material's subject in its library, or None;
    `group_only_excluded`: True when that group exists but holds nobody but the excluded people;
    `sign_off`: True for the principal's sign-off step (sign_off_assignment), False for the review.
    """

    reviewers: object
    route: str
    subject_group: SubjectGroup | None = None
    group_only_excluded: bool = False
    sign_off: bool = False

    def explanation(self):
        """A sentence for the submitter and the reviewers, in the active language."""
        if self.sign_off:
            if self.route == ReviewRoute.PRINCIPAL:
                return _("Ban giám hiệu ký duyệt học liệu này.")
            return _("Thư viện không có ban giám hiệu nào khác người gửi, nên quản trị hệ thống ký duyệt.")
        if self.route == ReviewRoute.SUBJECT_GROUP:
            return _("Tổ %(group)s duyệt học liệu này.") % {"group": self.subject_group.name}
        if self.subject_group is None:
            why = _("Thư viện chưa có tổ chuyên môn phụ trách môn này")
        else:
            why = _("Tổ %(group)s không có ai khác ngoài người gửi") % {"group": self.subject_group.name}
        if self.route == ReviewRoute.PRINCIPAL:
            then = _("nên ban giám hiệu duyệt.")
        elif self.route == ReviewRoute.LIBRARIAN:
            then = _("và không có ban giám hiệu nào khác người gửi, nên cán bộ thư viện duyệt.")
        else:
            then = _("và thư viện không có ban giám hiệu hay cán bộ thư viện nào khác người gửi, "
                     "nên quản trị hệ thống duyệt.")
        return f"{why}, {then}"


def excluded_from_review(page):
    """Set of user pks who may not review `page`: whoever submitted its current review (the
    workflow's `requested_by`) and the page's owner (separation of duties: nobody approves their
    own work)."""
    excluded = set()
    if getattr(page, "owner_id", None):
        excluded.add(page.owner_id)
    if getattr(page, "pk", None):
        workflow_state = page.current_workflow_state
        if workflow_state is not None and workflow_state.requested_by_id:
            excluded.add(workflow_state.requested_by_id)
    return excluded


def _role_holders(library_id, role, excluded):
    role_groups = LibraryRoleGroup.objects.filter(library_id=library_id, role=role)
    return (
        get_user_model()
        .objects.filter(groups__library_role__in=role_groups, is_active=True)
        .exclude(pk__in=excluded)
        .distinct()
    )


def review_assignment(page, exclude=None):
    """Who reviews `page` (a material, usually the revision under review) and why: a ReviewAssignment.

    Tried in order, each without the people in `exclude` (a set of user pks; default
    `excluded_from_review(page)`): the members and leader of the subject group of the page's library
    in charge of its subject; the library's principals; its librarians; the superusers. So a
    submission never waits for nobody, and nobody reviews their own work. A page outside any library
    goes to the superusers.
    """
    excluded = excluded_from_review(page) if exclude is None else set(exclude)
    User = get_user_model()
    library_id, _subject = review_target(page)
    subject_group = reviewer_group_for(page)
    group_only_excluded = False
    if subject_group is not None:
        q = Q(groups=subject_group.group_id)
        if subject_group.leader_id:
            q |= Q(pk=subject_group.leader_id)
        members = User.objects.filter(q, is_active=True).exclude(pk__in=excluded).distinct()
        if members.exists():
            return ReviewAssignment(members, ReviewRoute.SUBJECT_GROUP, subject_group)
        group_only_excluded = True
    if library_id is not None:
        for route, role in ((ReviewRoute.PRINCIPAL, Role.PRINCIPAL), (ReviewRoute.LIBRARIAN, Role.LIBRARIAN)):
            holders = _role_holders(library_id, role, excluded)
            if holders.exists():
                return ReviewAssignment(holders, route, subject_group, group_only_excluded)
    superusers = User.objects.filter(is_superuser=True, is_active=True).exclude(pk__in=excluded)
    return ReviewAssignment(superusers, ReviewRoute.SUPERUSER, subject_group, group_only_excluded)


def sign_off_assignment(page, exclude=None):
    """Who signs `page` off after its subject group (PrincipalSignOffTask), as a ReviewAssignment
    with `sign_off` True: the principals of the page's library, else the superusers; never the
    people in `exclude` (default `excluded_from_review(page)`)."""
    excluded = excluded_from_review(page) if exclude is None else set(exclude)
    library_id, _subject = review_target(page)
    if library_id is not None:
        principals = _role_holders(library_id, Role.PRINCIPAL, excluded)
        if principals.exists():
            return ReviewAssignment(principals, ReviewRoute.PRINCIPAL, sign_off=True)
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(pk__in=excluded)
    return ReviewAssignment(superusers, ReviewRoute.SUPERUSER, sign_off=True)


def user_can_sign_off(user, page, exclude=None):
    """True if `user` may sign off (approve, send back) `page` on the principal's step: never the
    people in `exclude` (default excluded_from_review(page)), superusers included; otherwise
    superusers, and the reviewers of sign_off_assignment."""
    if not user.is_authenticated or not user.is_active:
        return False
    excluded = excluded_from_review(page) if exclude is None else set(exclude)
    if user.pk in excluded:
        return False
    if user.is_superuser:
        return True
    return sign_off_assignment(page, excluded).reviewers.filter(pk=user.pk).exists()


def reviewers_for(page, exclude=None):
    """QuerySet of the users who review `page` (review_assignment(page, exclude).reviewers)."""
    return review_assignment(page, exclude).reviewers


def user_can_review(user, page, exclude=None):
    """True if `user` may approve, send back or comment on the review of `page`.

    Never for the people in `exclude` (default excluded_from_review(page)), superusers included;
    otherwise superusers always, and the reviewers of review_assignment.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    excluded = excluded_from_review(page) if exclude is None else set(exclude)
    if user.pk in excluded:
        return False
    if user.is_superuser:
        return True
    return reviewers_for(page, excluded).filter(pk=user.pk).exists()


def page_under_review(page):
    """The version of `page` its current review is about: the revision of the current task state.

    Falls back to the latest revision (a workflow being started), then to `page` itself.
    """
    task_state = page.current_workflow_task_state
    if task_state is not None:
        return task_state.revision.as_object()
    return page.specific.get_latest_revision_as_object()


def latest_review_comment(page):
    """The newest finished TaskState with a comment in `page`'s current or last review (a Wagtail
    WorkflowState), or None: what the teacher must read before editing (who asked, at which step,
    when, and why)."""
    workflow_state = page.workflow_states.order_by("-created_at", "-pk").first()
    if workflow_state is None:
        return None
    return (
        workflow_state.task_states.exclude(comment="")
        .filter(status__in=(TaskState.STATUS_REJECTED, TaskState.STATUS_APPROVED))
        .select_related("finished_by", "task")
        .order_by("-finished_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ReviewEvent:
    """One line of a material's review history: a submission or a step's decision.

    `kind`: "submitted" or a TaskState status ("approved", "rejected", "in_progress", "skipped",
    "cancelled"); `step`: the task's name ("" for a submission); `who`: the user (or None); `when`:
    a datetime; `comment`: str; `file_id` and `sha256`: the file of the revision concerned (None
    when unknown); `revision_id`.
    """

    kind: str
    step: str
    who: object
    when: object
    comment: str
    file_id: int | None
    sha256: str | None
    revision_id: int | None


def review_history(page):
    """Every submission and every step of every review of `page` (a MaterialPage), newest first, as a
    list of ReviewEvent; each names the file version (file id and SHA-256) of the revision it was
    about, read from the revision's content."""
    from .models import MaterialFile

    states = list(
        TaskState.objects.filter(workflow_state__in=page.workflow_states.all())
        .select_related("task", "finished_by", "revision", "workflow_state__requested_by")
        .order_by("started_at", "pk")
    )
    file_ids = {state.revision.content.get("file") for state in states if state.revision_id} - {None}
    files = MaterialFile.objects.filter(pk__in=file_ids).only("pk", "sha256").in_bulk()

    def file_of(state):
        file_id = state.revision.content.get("file") if state.revision_id else None
        material_file = files.get(file_id)
        return file_id, material_file.sha256 if material_file else None

    events, previous = [], {}
    for state in states:
        file_id, sha256 = file_of(state)
        workflow_state = state.workflow_state
        before = previous.get(workflow_state.pk)
        if before is None:  # the submission that opened this review
            events.append(ReviewEvent("submitted", "", workflow_state.requested_by, workflow_state.created_at,
                                      "", file_id, sha256, state.revision_id))
        elif before.status == TaskState.STATUS_REJECTED:  # resubmitted after changes
            events.append(ReviewEvent("submitted", "", state.revision.user if state.revision_id else None,
                                      state.started_at, "", file_id, sha256, state.revision_id))
        events.append(ReviewEvent(state.status, state.task.name, state.finished_by,
                                  state.finished_at or state.started_at, state.comment, file_id, sha256,
                                  state.revision_id))
        previous[workflow_state.pk] = state
    events.sort(key=lambda event: event.when, reverse=True)
    return events


def review_attestation(page):
    """What the published page says of its review: {"group" (the subject group's name, None when the
    library has no group for the subject), "reviewed_at", "signed_off_by" (a user or None),
    "signed_off_at"} from the approved review of its live revision, or None when it was published
    without one."""
    from .models import PrincipalSignOffTask, SubjectGroupReviewTask

    workflow_state = (
        page.workflow_states.filter(status="approved").order_by("-created_at", "-pk").first()
        if page.live_revision_id else None
    )
    if workflow_state is None:
        return None
    approved = workflow_state.task_states.filter(status=TaskState.STATUS_APPROVED).select_related(
        "task", "finished_by")
    review = approved.filter(task__in=SubjectGroupReviewTask.objects.all()).order_by("-finished_at").first()
    sign_off = approved.filter(task__in=PrincipalSignOffTask.objects.all()).order_by("-finished_at").first()
    if review is None:
        return None
    group = reviewer_group_for(page)
    return {
        "group": group.name if group is not None else None,
        "reviewed_at": review.finished_at,
        "signed_off_by": sign_off.finished_by if sign_off else None,
        "signed_off_at": sign_off.finished_at if sign_off else None,
    }


class SubjectGroupReviewSubmissionEmailNotifier(GroupApprovalTaskStateSubmissionEmailNotifier):
    """E-mails the per-page reviewers (and superusers) when a material enters SubjectGroupReviewTask
    or PrincipalSignOffTask (whose reviewers are the principals: sign_off_assignment).

    Wagtail's own task notifier only handles group-approval tasks, whose reviewers are a fixed set of
    groups. The approved / rejected e-mails to the submitter are Wagtail's workflow notifiers and need
    nothing from us. Templates: wagtailadmin/notifications/task_state_submitted*.
    """

    def can_handle(self, instance, **kwargs):
        from .models import PrincipalSignOffTask, SubjectGroupReviewTask

        return isinstance(instance, TaskState) and isinstance(
            instance.task.specific, (SubjectGroupReviewTask, PrincipalSignOffTask)
        )

    def get_recipient_users(self, task_state, **kwargs):
        """The page's reviewers (review_assignment) and, if WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS,
        the superusers; never the submitter, the owner or the user who triggered the e-mail."""
        page = task_state.revision.as_object()
        excluded = excluded_from_review(page)
        if task_state.workflow_state.requested_by_id:
            excluded.add(task_state.workflow_state.requested_by_id)
        from .models import PrincipalSignOffTask

        if isinstance(task_state.task.specific, PrincipalSignOffTask):
            recipients = set(sign_off_assignment(page, excluded).reviewers)
        else:
            recipients = set(reviewers_for(page, excluded))
        if getattr(settings, "WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS", True):
            recipients |= set(get_user_model().objects.filter(is_superuser=True, is_active=True))
        triggering_user = kwargs.get("user")
        if triggering_user is not None:
            recipients.discard(triggering_user)
        return {user for user in recipients if user.pk not in excluded}


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
