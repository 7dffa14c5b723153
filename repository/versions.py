"""Approved originals are immutable: versions of a material's file, approval records, the guard.

The rule (issue 6, item 1): once a material has been approved, its file cannot change in place. A
MaterialFile is *approved* when a live MaterialPage uses it, or when an approval record names it
(`file_is_approved`). New bytes for an approved file become a new MaterialFile, a *version*, set on
a new draft revision of every material that uses the old one and sent through review again
(`submit_new_version`); the live pages keep serving the approved bytes until the new revision is
published. Files never approved (drafts) may still be replaced in place by whoever may edit them.

- Approval records: every publication of a material, through the review workflow or directly, is
  logged on the page as APPROVE_FILE_ACTION with data {"file_id", "sha256", "revision_id"}
  (`record_approval`, on Wagtail's `page_published` signal), by the approver.
- The guard: `refuse_replacing_approved_file` (pre_save of MaterialFile) raises ValidationError when
  any code saves a different `file` on an approved row, so no save path swaps bytes silently. Saves
  limited to other fields (`update_fields` without "file", the media pipeline's) and new rows pass.
- The document forms (repository.forms.MaterialFileForm) turn an upload over an approved file into
  a new version instead of a replacement; `replacement_problems` says when they may not.
- `file_versions(page)` lists a material's versions for the admin (repository.views.versions).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import PageLogEntry, Revision, TaskState, WorkflowState
from wagtail.signals import page_published

from media_pipeline.files import digest_fieldfile

from .models import MaterialFile, MaterialPage
from .permissions import sees_all_libraries, user_may_know_page
from .review import page_under_review, user_can_review

APPROVE_FILE_ACTION = "hoclieu.approve_file"


# --- approval -----------------------------------------------------------------------------------


def approval_entries(material_file=None, page=None):
    """PageLogEntry QuerySet of the approval records, newest first, optionally only those naming
    `material_file` (a MaterialFile or its pk) and/or logged on `page` (a page or its pk)."""
    entries = PageLogEntry.objects.filter(action=APPROVE_FILE_ACTION)
    if material_file is not None:
        entries = entries.filter(data__file_id=getattr(material_file, "pk", material_file))
    if page is not None:
        entries = entries.filter(page_id=getattr(page, "pk", page))
    return entries.select_related("user").order_by("-timestamp", "-pk")


def file_is_approved(material_file):
    """True if `material_file` (a MaterialFile or its pk) is approved: a live material uses it, an
    approval record (APPROVE_FILE_ACTION) names it, or a revision approved for publication at a later
    time (Wagtail's go-live scheduling, `approved_go_live_at`) holds it. False for a file not saved yet.
    """
    pk = getattr(material_file, "pk", material_file)
    if pk is None:
        return False
    return (MaterialPage.objects.filter(file_id=pk, live=True).exists()
            or approval_entries(pk).exists()
            or Revision.page_revisions.filter(approved_go_live_at__isnull=False, content__file=pk).exists())


def _approver(revision):
    """Who approved `revision`: the user who finished its last approved review task, else None
    (then `log` takes the admin request's user from Wagtail's log context)."""
    if revision is None:
        return None
    task_state = (TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED)
                  .exclude(finished_by=None).order_by("-finished_at", "-pk").first())
    return task_state.finished_by if task_state is not None else None


def record_approval(sender, instance, revision=None, **kwargs):
    """`page_published` receiver: log APPROVE_FILE_ACTION on a published MaterialPage `instance`.

    data: {"file_id": int, "sha256": 64 hex digits of the file's bytes, "revision_id": int or None}.
    The SHA-256 is the one recorded at upload (repository.pipeline.record_new_file), computed here
    from the stored bytes when missing. The user is the approver of the review task, else the
    publishing user of the admin request; None for a publication in code outside a request.
    Returns the log entry, or None when `instance` is not a material with a file.
    """
    if not isinstance(instance, MaterialPage) or instance.file_id is None:
        return None
    material_file = MaterialFile.objects.filter(pk=instance.file_id).first()
    if material_file is None:
        return None
    sha256 = material_file.sha256 or digest_fieldfile(material_file.file).sha256
    return log(
        instance=instance,
        action=APPROVE_FILE_ACTION,
        user=_approver(revision),
        revision=revision,
        data={"file_id": material_file.pk, "sha256": sha256,
              "revision_id": revision.pk if revision is not None else None},
    )


# --- the guard on the model ---------------------------------------------------------------------


def _file_changes(instance):
    """True if saving `instance` (a saved MaterialFile) would point its row at other bytes."""
    stored = MaterialFile.objects.filter(pk=instance.pk).values_list("file", flat=True).first()
    if stored is None:
        return False  # a new row that happens to have its pk set
    if not getattr(instance.file, "_committed", True):
        return True  # an upload not stored yet always gets a name of its own
    return (instance.file.name or "") != stored


def refuse_replacing_approved_file(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save of MaterialFile: refuse a new `file` on an approved row (file_is_approved).

    Raises ValidationError({"file": ...}) in Vietnamese. New rows, raw fixture loads, saves whose
    `update_fields` leave out "file", and saves that keep the stored file name pass.
    """
    if raw or instance.pk is None or (update_fields is not None and "file" not in update_fields):
        return
    if _file_changes(instance) and file_is_approved(instance.pk):
        raise ValidationError({"file": _(
            "Tệp “%(title)s” đã được duyệt nên không thể thay nội dung tại chỗ. Hãy tải lên phiên bản "
            "mới: học liệu sẽ được gửi duyệt lại, bản đã duyệt vẫn được dùng cho đến khi bản mới được duyệt."
        ) % {"title": instance.title}})


# --- new versions -------------------------------------------------------------------------------


def pages_using(material_file):
    """List of the MaterialPages that use `material_file` (a MaterialFile or its pk): those whose row
    holds it (the live version of a published page, the draft of an unpublished one) and those whose
    latest revision holds it. Ordered by pk."""
    pk = getattr(material_file, "pk", material_file)
    return list(MaterialPage.objects.filter(Q(file_id=pk) | Q(latest_revision__content__file=pk))
                .distinct().order_by("pk"))


def replacement_problems(material_file, user):
    """Why `user` may not put a new version of approved `material_file` on its materials: a list of
    Vietnamese messages, empty when they may.

    A new version saves a draft revision of every material using the file (pages_using) and sends it
    for review under `user`'s name, so `user` must be allowed to edit each one (Wagtail's page
    permissions: the owner of the page, a principal or librarian of its library) and no lock may
    stop them (a page in review is locked for all but its reviewers). `user` None (code) may.
    Permission to edit the file itself is the document views' business.
    """
    if user is None:
        return []
    problems = []
    for page in pages_using(material_file):
        if not page.permissions_for_user(user).can_edit():
            problems.append(_(
                "Tệp đang được dùng trong học liệu “%(page)s” mà bạn không được sửa, nên không thể thay bằng "
                "phiên bản mới; hãy tải tệp lên như một tệp mới."
            ) % {"page": page.get_admin_display_title()})
            continue
        lock = page.get_lock()
        if lock is not None and lock.for_user(user):
            problems.append(_(
                "Học liệu “%(page)s” đang bị khoá hoặc đang chờ duyệt; hãy đợi xong rồi mới thay tệp."
            ) % {"page": page.get_admin_display_title()})
    return problems


@dataclass
class NewVersion:
    """What `submit_new_version` did: `old` and `new` MaterialFiles, the `revisions` saved (one per
    material using the old file, in `pages`), and `in_review`, the pages whose workflow started."""

    old: object
    new: object
    pages: list = field(default_factory=list)
    revisions: list = field(default_factory=list)
    in_review: list = field(default_factory=list)

    def message(self):
        """A sentence for the user who uploaded the new version, in the active language."""
        titles = ", ".join(f"“{page.get_admin_display_title()}”" for page in self.pages)
        if self.in_review:
            return _(
                "Tệp “%(title)s” đã được duyệt nên được giữ nguyên. Nội dung mới được lưu thành phiên bản "
                "mới và gửi duyệt lại cùng học liệu %(pages)s; bản đã duyệt vẫn được dùng cho đến khi bản "
                "mới được duyệt."
            ) % {"title": self.old.title, "pages": titles}
        if self.pages:
            return _(
                "Tệp “%(title)s” đã được duyệt nên được giữ nguyên. Nội dung mới được lưu thành phiên bản "
                "mới trong bản nháp của học liệu %(pages)s; bản đã duyệt vẫn được dùng cho đến khi bản "
                "nháp được xuất bản."
            ) % {"title": self.old.title, "pages": titles}
        return _(
            "Tệp “%(title)s” đã được duyệt nên được giữ nguyên; nội dung mới được lưu thành một tệp mới."
        ) % {"title": self.old.title}


def new_version_of(old, uploaded, user, title=None):
    """An unsaved MaterialFile holding `uploaded` (a Django File) as the next version of `old`.

    Same collection (so the same library) as `old`; title `title` or old's; uploaded by `user`.
    Size, content type and hash are set from the upload; SHA-256 and the processing status are set
    when it is saved (repository.signal_handlers).
    """
    new = MaterialFile(title=title or old.title, collection_id=old.collection_id, uploaded_by_user=user,
                       file=uploaded)
    new._set_document_file_metadata()
    return new


def _send_for_review(page, user):
    """Start the page's workflow on its latest revision under `user`, replacing a review in progress
    or sent back (it was about an older revision). Returns the WorkflowState, or None without a
    workflow (the revision then stays a draft)."""
    workflow = page.get_workflow()
    if workflow is None:
        return None
    state = page.current_workflow_state
    if state is not None and state.status in (WorkflowState.STATUS_IN_PROGRESS,
                                              WorkflowState.STATUS_NEEDS_CHANGES):
        state.cancel(user=user)
    return workflow.start(page, user)


@transaction.atomic
def submit_new_version(old, new, user):
    """Save `new` (from new_version_of) and put it on every material using approved `old`.

    For each page of pages_using(old): a new revision made from its latest one with `file` = new,
    saved by `user` and logged, then the page's workflow started (repository.roles: the subject
    group's review). A live page keeps serving `old`: its row is not touched. `old` is not changed.
    Check replacement_problems(old, user) first: permissions and locks are not checked here.
    Returns a NewVersion.
    """
    new.save()
    log(instance=new, action="wagtail.create", user=user)
    outcome = NewVersion(old=old, new=new)
    for page in pages_using(old):
        draft = page.get_latest_revision_as_object()
        draft.file = new
        # clean=False as Wagtail saves drafts: the new file is in the old one's collection, which the
        # material's clean() accepted; the rest of the draft is validated when it is published.
        outcome.revisions.append(draft.save_revision(user=user, log_action=True, clean=False))
        page = MaterialPage.objects.get(pk=page.pk)
        outcome.pages.append(page)
        if _send_for_review(page, user) is not None:
            outcome.in_review.append(page)
    return outcome


# --- the versions of a material -----------------------------------------------------------------


@dataclass
class FileVersion:
    """One version of a material's file, for the admin.

    `file`: the MaterialFile; `number`: 1 for the oldest; `created_at`, `uploaded_by` (a user or
    None), `size` (bytes or None), `sha256` (hex, "" until recorded); `is_live`: the file the
    published page serves; `is_latest`: the file of the latest revision; `in_review`: is_latest
    while the page's review is in progress; `approvals`: this page's approval records naming it
    (PageLogEntry, newest first: `.timestamp`, `.user`, `.data["sha256"]`).
    """

    file: object
    number: int
    is_live: bool
    is_latest: bool
    in_review: bool
    approvals: list

    @property
    def created_at(self):
        return self.file.created_at

    @property
    def uploaded_by(self):
        return self.file.uploaded_by_user

    @property
    def size(self):
        return self.file.file_size

    @property
    def sha256(self):
        return self.file.sha256

    @property
    def approved_at(self):
        """When this page last approved this file (datetime), or None."""
        return self.approvals[0].timestamp if self.approvals else None


def file_versions(page):
    """The versions of MaterialPage `page`'s file, newest first: a list of FileVersion.

    The versions are the distinct MaterialFiles named by its revisions (Revision.content["file"])
    and by its row (the live file of a published page), ordered by upload time. `page` may be the
    live page or an object built from one of its revisions: the live state is read from the database.
    """
    ids = set()
    for value in Revision.objects.for_instance(page).values_list("content__file", flat=True):
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue  # a revision without a file
    # The row, not `page`: the editor hands over the latest revision's object, not the live page.
    row = MaterialPage.objects.filter(pk=page.pk).values("live", "file_id").first() or {}
    live_file_id = row.get("file_id") if row.get("live") else None
    if row.get("file_id"):
        ids.add(row["file_id"])
    files = list(MaterialFile.objects.filter(pk__in=ids).select_related("uploaded_by_user")
                 .order_by("created_at", "pk"))
    approvals = {}
    for entry in approval_entries(page=page):
        approvals.setdefault(entry.data.get("file_id"), []).append(entry)
    latest = page.get_latest_revision()
    latest_file_id = latest.content.get("file") if latest is not None else row.get("file_id")
    in_review = page.workflow_in_progress
    versions = [
        FileVersion(
            file=material_file, number=number,
            is_live=live_file_id == material_file.pk,
            is_latest=latest_file_id == material_file.pk,
            in_review=bool(in_review and latest_file_id == material_file.pk),
            approvals=approvals.get(material_file.pk, []),
        )
        for number, material_file in enumerate(files, start=1)
    ]
    versions.reverse()
    return versions


def user_can_see_versions(user, page):
    """True if `user` may see the versions of MaterialPage `page`: a superuser; otherwise someone
    who knows the page in the admin (repository.permissions.admin_pages, library isolation) and may
    edit it (Wagtail page permissions) or review it (repository.review.user_can_review)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if sees_all_libraries(user):
        return True
    if not user_may_know_page(user, page.pk):
        return False
    return page.permissions_for_user(user).can_edit() or user_can_review(user, page_under_review(page))


def register_signal_handlers():
    """Connect the guard (pre_save of MaterialFile) and the approval record (`page_published` of
    MaterialPage). Idempotent (dispatch_uid). Connect before the pipeline's pre_save receiver, so a
    refused save does not hash the upload first."""
    pre_save.connect(refuse_replacing_approved_file, sender=MaterialFile,
                     dispatch_uid="hoclieu_approved_file_immutable")
    page_published.connect(record_approval, sender=MaterialPage, dispatch_uid="hoclieu_record_file_approval")
