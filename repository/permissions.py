"""Who may see what in the admin: the library isolation every admin screen goes through.

The public site's rules are in repository.access (by access level and reader). This module holds the
admin's: a staff member (teacher, reviewer, principal, librarian) of a library knows about that
library's pages, files and people, and nothing of another library's. Superusers see across
libraries. Wagtail's own page permissions already scope editing to a library's subtree; these
functions scope *knowing*: choosers, their search, the admin APIs, bulk-action confirmations, user
filters and reports (applied in repository.wagtail_hooks.isolation and repository.middleware).

File rules (issue "Nobody gets in where they don't belong"):
- a material can only hold a file of its own library's collection (`file_belongs_to_library`);
- teachers, reviewers and principals may add and choose files and edit or delete only their own;
  librarians manage every file of their library (DOCUMENT_PERMISSIONS_BY_ROLE in repository.roles).

Depositing (issue 9, item 6): `deposit_targets` are the library pages where the dashboard's "Thêm
học liệu" leads; `chooser_files` is what the file chooser lists (one's own files, or the library's
for a librarian, without failed ones unless asked).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.models import Collection, Page

from .access import user_library_ids
from .choices import STAFF_ROLES, Role
from .models import (
    CatalogueRecord,
    CatalogueSource,
    Library,
    LibraryIndexPage,
    LibraryNetwork,
    MaterialFile,
    MaterialPage,
)
from .models.materials import ProcessingStatus


def staff_library_ids(user):
    """Set of Library pks where `user` holds a staff role (teacher, reviewer, principal, librarian)."""
    return user_library_ids(user, STAFF_ROLES)


def sees_all_libraries(user):
    """True for an active superuser: the only users who see across libraries in the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _library_index_paths(library_ids):
    return list(LibraryIndexPage.objects.filter(library_id__in=library_ids).values_list("path", flat=True))


def admin_pages(user):
    """PageQuerySet of the pages `user` may know about in the admin.

    Superusers: every page. Staff: their libraries' index pages with everything below them, and the
    ancestors of those index pages (the root and the home page, public anyway). Anyone else: none.
    """
    if sees_all_libraries(user):
        return Page.objects.all()
    paths = _library_index_paths(staff_library_ids(user))
    if not paths:
        return Page.objects.none()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
        # Ancestors: every prefix of the path, one step (Page.steplen characters) at a time.
        q |= Q(path__in=[path[:end] for end in range(Page.steplen, len(path), Page.steplen)])
    return Page.objects.filter(q)


def user_may_know_page(user, page_id):
    """True if the page with pk `page_id` is one of `admin_pages(user)`."""
    return admin_pages(user).filter(pk=page_id).exists()


def library_collections(library_ids):
    """QuerySet of the collections of libraries `library_ids`, with their child collections."""
    q = Q(pk__in=[])
    for library in Library.objects.filter(pk__in=library_ids, collection__isnull=False).select_related(
        "collection"
    ):
        q |= Q(path__startswith=library.collection.path)
    return Collection.objects.filter(q)


def admin_documents(user):
    """QuerySet of the MaterialFiles `user` may know about in the admin.

    Superusers: all. Staff: the files in their libraries' collections and the files they uploaded.
    Anyone else: none.
    """
    if sees_all_libraries(user):
        return MaterialFile.objects.all()
    if not user.is_authenticated:
        return MaterialFile.objects.none()
    collections = library_collections(staff_library_ids(user))
    return MaterialFile.objects.filter(Q(collection__in=collections) | Q(uploaded_by_user=user))


def admin_users(user):
    """QuerySet of the users `user` may see named in the admin: everyone for a superuser, else the
    members (any role, students included) of the libraries where `user` is staff, and `user`."""
    User = get_user_model()
    if sees_all_libraries(user):
        return User.objects.all()
    if not user.is_authenticated:
        return User.objects.none()
    libraries = staff_library_ids(user)
    return User.objects.filter(
        Q(pk=user.pk)
        | Q(groups__library_role__library_id__in=libraries)
        | Q(groups__subject_group__library_id__in=libraries)
    ).distinct()


def file_belongs_to_library(material_file, library_id):
    """True if `material_file` (a MaterialFile) is stored in the collection of Library `library_id`
    (or a collection below it): the only files a material of that library may hold."""
    if library_id is None or material_file is None:
        return False
    library = Library.objects.filter(pk=library_id).select_related("collection").first()
    return library is not None and library.owns_file(material_file)


def catalogue_library_ids(user):
    """Set of Library pks whose print catalogue `user` may see in the admin: those where `user` is a
    librarian (Role.LIBRARIAN). Superusers see every library's (check `sees_all_libraries` first)."""
    return user_library_ids(user, (Role.LIBRARIAN,))


def admin_catalogue_records(user):
    """QuerySet of the CatalogueRecords `user` may see in the admin: all for a superuser, their own
    libraries' for a librarian, none for anyone else (teachers, students, other libraries' staff)."""
    from .models import CatalogueRecord

    if sees_all_libraries(user):
        return CatalogueRecord.objects.all()
    if not user.is_authenticated or not user.is_active:
        return CatalogueRecord.objects.none()
    return CatalogueRecord.objects.filter(library_id__in=catalogue_library_ids(user))


def user_may_link_print_twin(user, material):
    """True if `user` may set or confirm the print twin of `material` (a MaterialPage): a superuser,
    or a librarian of the material's library."""
    if sees_all_libraries(user):
        return True
    return bool(user.is_authenticated and user.is_active and material.library_id is not None
                and material.library_id in catalogue_library_ids(user))


def contribution_libraries(user):
    """QuerySet of the Libraries whose contribution list `user` may download and whose quota they may
    set: every library for a superuser; their own for a library's principals and librarians (the two
    who sign the list); none for teachers, reviewers, students or anyone else. The hub's staff are not
    among them for a member: the list names the member's school-level materials, which only the
    school sees (repository.access); the member sends the hub its stamped copy."""
    if sees_all_libraries(user):
        return Library.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Library.objects.none()
    return Library.objects.filter(pk__in=user_library_ids(user, (Role.PRINCIPAL, Role.LIBRARIAN)))


def contribution_progress_libraries(user):
    """QuerySet of the Libraries whose contribution progress (counts against the quota) `user` may
    see: contribution_libraries(user), and every member of a network whose hub
    (LibraryNetwork.hub) is one of those libraries."""
    own = contribution_libraries(user)
    return Library.objects.filter(
        Q(pk__in=own.values("pk")) | Q(network__hub__in=own.values("pk"))
    ).distinct()


def deposit_targets(user):
    """LibraryIndexPages (ordered by title) under which `user` may add a material: those of the
    libraries where `user` is staff (all for a superuser), kept when Wagtail's page permissions let
    `user` add a page there (teachers, reviewers, principals and librarians do; students do not)."""
    if not user.is_authenticated or not user.is_active:
        return []
    pages = LibraryIndexPage.objects.order_by("title")
    if not sees_all_libraries(user):
        pages = pages.filter(library_id__in=staff_library_ids(user))
    return [page for page in pages if MaterialPage.can_create_at(page)
            and page.permissions_for_user(user).can_add_subpage()]


def chooser_files(user, files, include_failed=False):
    """Narrow `files` (a MaterialFile QuerySet, already what `user` may choose) to what the file
    chooser shows `user`: every file for a superuser; for a librarian, the files of their libraries'
    collections and their own; for anyone else, the files they uploaded. Files whose processing
    failed are left out unless `include_failed`."""
    # One filter on `id`, a FilterField of Wagtail's documents, so the chooser's search can apply it.
    allowed = MaterialFile.objects.all()
    if not sees_all_libraries(user):
        librarian_of = user_library_ids(user, [Role.LIBRARIAN])
        own = Q(uploaded_by_user=user) if user.is_authenticated else Q(pk__in=[])
        if librarian_of:
            own |= Q(collection__in=library_collections(librarian_of))
        allowed = allowed.filter(own)
    if not include_failed:
        allowed = allowed.exclude(processing_status=ProcessingStatus.FAILED)
    return files.filter(id__in=allowed.values("id"))


def quality_library_ids(user):
    """Set of Library pks whose catalogue quality report `user` may see (repository.catalogue.quality):
    the libraries where `user` is a librarian and, for a librarian of a network's hub library
    (LibraryNetwork.hub), every library of that network. Teachers, students and anyone else: none.
    Superusers see every library's (check `sees_all_libraries` first)."""
    own = catalogue_library_ids(user)
    if not own:
        return set()
    hub_networks = LibraryNetwork.objects.filter(hub_id__in=own)
    return set(own) | set(Library.objects.filter(network__in=hub_networks).values_list("pk", flat=True))


def union_catalogue_records(user):
    """QuerySet of the active CatalogueRecords of the union catalogue `user` may see and copy from
    (issue 8, copy cataloguing): the records held by the libraries of the networks where `user` is a
    librarian (local ones, and ones those libraries harvested), except their own libraries' local
    records. A superuser: every active record held by a library of a network. Anyone else: none."""
    records = CatalogueRecord.objects.active().filter(library__network__isnull=False)
    if sees_all_libraries(user):
        return records
    own = catalogue_library_ids(user)
    if not own:
        return CatalogueRecord.objects.none()
    networks = Library.objects.filter(pk__in=own, network__isnull=False).values("network_id")
    return records.filter(library__network_id__in=networks).exclude(
        library_id__in=own, source=CatalogueSource.LOCAL
    )


def copy_target_libraries(user, record):
    """QuerySet of the Libraries into whose catalogue `user` may copy `record` (a CatalogueRecord):
    libraries of the record's network where `user` is a librarian (any, for a superuser), except the
    record's own library when the record is that library's local record."""
    network_id = record.library.network_id
    if network_id is None:
        return Library.objects.none()
    libraries = Library.objects.filter(network_id=network_id)
    if not sees_all_libraries(user):
        libraries = libraries.filter(pk__in=catalogue_library_ids(user))
    if record.source == CatalogueSource.LOCAL:
        libraries = libraries.exclude(pk=record.library_id)
    return libraries
