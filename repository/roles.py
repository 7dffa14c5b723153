"""Set up a library's page subtree, collection, role groups, subject groups and review workflow.

Permissions follow Wagtail's model: page permissions are granted on the library's index page, so
each role is limited to its library's subtree; document permissions on the library's collection.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .choices import Role
from .models import (
    Library,
    LibraryIndexPage,
    LibraryRoleGroup,
    PrincipalSignOffTask,
    SubjectGroup,
    SubjectGroupReviewTask,
)

# Page permissions per role on the library's index page (Wagtail: "add" lets a user edit their own pages).
PAGE_PERMISSIONS = {
    Role.TEACHER: ["add_page"],
    Role.REVIEWER: ["add_page"],
    Role.PRINCIPAL: ["add_page", "change_page", "publish_page"],
    Role.LIBRARIAN: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    Role.STUDENT: [],
}
# Collection permissions per role on the library's collection. Wagtail checks document permissions
# against its base Document model (auth_model), whatever the custom document model is, so these are
# wagtaildocs' codenames. Under Wagtail's CollectionOwnershipPermissionPolicy "add" also lets a user
# edit and delete the files they uploaded, and only "change"/"delete" reach other people's files: so
# teachers, reviewers and principals manage their own files, librarians all of the library's.
OWN_FILES = ["add_document", "choose_document"]
DOCUMENT_PERMISSIONS_BY_ROLE = {
    Role.TEACHER: OWN_FILES,
    Role.REVIEWER: OWN_FILES,
    Role.PRINCIPAL: OWN_FILES,
    Role.LIBRARIAN: OWN_FILES + ["change_document", "delete_document"],
    Role.STUDENT: [],
}
REVIEW_WORKFLOW_NAME = "Duyệt của tổ chuyên môn"


def _permission(codename, app_label):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _grant_admin_access(group):
    group.permissions.add(_permission("access_admin", "wagtailadmin"))


def site_home_page():
    """The site's HomePage (created by cms migration 0002)."""
    from cms.models import HomePage

    return HomePage.objects.first() or Page.objects.get(depth=2)


@transaction.atomic
def setup_library(library, title=None):
    """Create what `library` needs and return its LibraryIndexPage; safe to run again.

    Creates: the index page under the home page (published), a collection for its files, one
    Wagtail group per Role bound through LibraryRoleGroup, with page and collection permissions.
    Collection permissions a role should not have (DOCUMENT_PERMISSIONS_BY_ROLE) are taken away.
    """
    index = LibraryIndexPage.objects.filter(library=library).first()
    if index is None:
        index = LibraryIndexPage(title=title or library.name, slug=library.code.lower(), library=library)
        site_home_page().add_child(instance=index)
        index.save_revision().publish()
    collection = _library_collection(library)
    for role in Role:
        group = _role_group(library, role)
        if role != Role.STUDENT:
            _grant_admin_access(group)
        wanted = DOCUMENT_PERMISSIONS_BY_ROLE[role]
        for codename in wanted:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(codename, "wagtaildocs")
            )
        GroupCollectionPermission.objects.filter(
            group=group, permission__content_type__app_label="wagtaildocs"
        ).exclude(permission__codename__in=wanted).delete()
        for codename in PAGE_PERMISSIONS[role]:
            GroupPagePermission.objects.get_or_create(
                group=group, page=index, permission=_permission(codename, "wagtailcore")
            )
    ensure_review_workflow()
    return index


def _role_group(library, role):
    """The Group bound to `role` in `library` by LibraryRoleGroup, whatever it is called now; on
    first set-up, the group named "<code> – <role>" (created if need be) is bound."""
    binding = LibraryRoleGroup.objects.filter(library=library, role=role).select_related("group").first()
    if binding is not None:
        return binding.group
    group, _ = Group.objects.get_or_create(name=f"{library.code} – {role.label}")
    LibraryRoleGroup.objects.create(library=library, role=role, group=group)
    return group


def _library_collection(library):
    if library.collection_id is None:
        root = Collection.get_first_root_node()
        library.collection = root.add_child(name=f"{library.name} ({library.code})")
        library.save(update_fields=["collection"])
    return library.collection


def library_collection(library):
    """The Collection holding `library`'s material files (created, and bound to the library by its
    `collection` key, on first use)."""
    return _library_collection(library)


@transaction.atomic
def create_subject_group(library, name, subjects, leader=None, members=()):
    """Create (or update) subject group `name` of `library` for `subjects` (Subject codes).

    Members are added to the group's own Wagtail group and to the library's reviewer role, so they
    can open the admin and act on review tasks. An existing subject group keeps its Wagtail group,
    whatever that group is called now; a new one gets the group "<code> – Tổ <name>". Returns the
    SubjectGroup.
    """
    existing = SubjectGroup.objects.filter(library=library, name=name).select_related("group").first()
    if existing is not None:
        group = existing.group
    else:
        group, _ = Group.objects.get_or_create(name=f"{library.code} – Tổ {name}")
    _grant_admin_access(group)
    subject_group, _ = SubjectGroup.objects.update_or_create(
        library=library, name=name, defaults={"subjects": list(subjects), "group": group, "leader": leader}
    )
    reviewers = library.role_group(Role.REVIEWER)
    for user in {*members, *([leader] if leader else [])}:
        user.groups.add(group, reviewers)
    return subject_group


def add_member(user, library, role):
    """Give `user` `role` (a Role) in `library`."""
    user.groups.add(library.role_group(role))


def ensure_review_workflow():
    """The site-wide review workflow assigned to the home page, with its two steps (the subject
    group's review, then the principal's sign-off, skipped for libraries that do not ask for it:
    repository.models.workflows); returns it. Idempotent."""
    workflow, _ = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME, defaults={"active": True})
    # WorkflowTask rows are written directly: `workflow.workflow_tasks` is a modelcluster relation,
    # whose create() only keeps the child in memory until the workflow itself is saved.
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task = SubjectGroupReviewTask.objects.create(name="Tổ chuyên môn duyệt")
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    add_principal_sign_off(workflow)
    WorkflowPage.objects.get_or_create(page=site_home_page(), defaults={"workflow": workflow})
    return workflow


def add_principal_sign_off(workflow):
    """Append PrincipalSignOffTask to `workflow` as its last step unless it has one (idempotent)."""
    tasks = WorkflowTask.objects.filter(workflow=workflow)
    if tasks.filter(task__in=PrincipalSignOffTask.objects.all()).exists():
        return
    last = tasks.order_by("-sort_order").values_list("sort_order", flat=True).first()
    task = PrincipalSignOffTask.objects.create(name="Ban giám hiệu ký duyệt")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=(last or 0) + 1)


def get_library(code):
    """The Library with `code`; raises Library.DoesNotExist with the code in the message."""
    try:
        return Library.objects.get(code=code)
    except Library.DoesNotExist as exc:
        raise Library.DoesNotExist(f"No library with code {code!r}") from exc
