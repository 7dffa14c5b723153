"""Who may see what: the one access policy every way out of Hoclieu goes through.

Rules (DESIGN.md "access level"):
- a draft or unpublished material is seen only by the staff of its library (teacher, reviewer,
  principal, librarian) and by superusers; the public site never serves it;
- a published material with access level `public` is seen by everyone;
- `school`: by signed-in members (staff or students) of its library;
- `group`: by signed-in members of any library in the same library network (liên thông).

Print catalogue records (CatalogueRecord) follow the same levels: `public` ones (a library's own
print records, records harvested from a public feed) are seen by everyone; `group` ones (harvested
with a network token) by members of the record's library and of the libraries in its network;
deleted ones by nobody (`visible_catalogue_records`).

A reader refused a material or file gets the same answer as for one that does not exist (404),
so nothing tells them it is there; only an anonymous reader of a *published* school- or group-level
material is sent to log in, since signing in may open it (`refuse_material`, `refuse_file`).
"""

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .choices import STAFF_ROLES, AccessLevel


def user_library_ids(user, roles=None):
    """Set of Library pks where `user` holds one of `roles` (default: any)."""
    from .models import Library

    if not user.is_authenticated:
        return set()
    cache_attr = f"_hoclieu_library_ids_{'-'.join(sorted(roles)) if roles else 'any'}"
    if not hasattr(user, cache_attr):
        setattr(user, cache_attr, set(Library.objects.for_user(user, roles).values_list("pk", flat=True)))
    return getattr(user, cache_attr)


def user_network_ids(user):
    """Set of LibraryNetwork pks of the libraries `user` belongs to."""
    from .models import Library

    ids = user_library_ids(user)
    if not ids:
        return set()
    return set(
        Library.objects.filter(pk__in=ids, network__isnull=False).values_list("network_id", flat=True)
    )


def access_filter(user):
    """A Q over MaterialPage for the *published* materials `user` may see (see module rules)."""
    if user.is_authenticated and user.is_superuser:
        return Q()
    q = Q(access_level=AccessLevel.PUBLIC)
    library_ids = user_library_ids(user)
    if library_ids:
        q |= Q(library_id__in=library_ids)
        network_ids = user_network_ids(user)
        if network_ids:
            q |= Q(access_level=AccessLevel.GROUP, library__network_id__in=network_ids)
    return q


def visible_materials(user):
    """Live MaterialPages `user` may see, as a PageQuerySet."""
    from .models import MaterialPage

    return MaterialPage.objects.live().filter(access_filter(user))


def catalogue_access_filter(user):
    """A Q over CatalogueRecord for the records `user` may find (see module rules); superusers all.
    The rule is access_filter's: a record, like a material, has an access_level and a library."""
    return access_filter(user)


def visible_catalogue_records(user):
    """CatalogueRecords not deleted that `user` may find (a QuerySet), e.g. on the search page."""
    from .models import CatalogueRecord

    return CatalogueRecord.objects.active().filter(catalogue_access_filter(user))


def user_is_library_staff(user, library_id):
    """True if `user` is a superuser or holds a staff role in library `library_id`."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or library_id in user_library_ids(user, STAFF_ROLES)


def user_can_view_material(user, page):
    """True if `user` may see MaterialPage `page` (module rules); drafts only for library staff."""
    if not page.live:
        return user_is_library_staff(user, page.library_id)
    if user.is_authenticated and user.is_superuser:
        return True
    if page.access_level == AccessLevel.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if page.library_id in user_library_ids(user):
        return True
    if page.access_level == AccessLevel.GROUP and page.library_id is not None:
        network_id = page.library.network_id
        return network_id is not None and network_id in user_network_ids(user)
    return False


def user_can_view_file(user, material_file):
    """True if `user` may download `material_file` (a MaterialFile).

    Allowed when a material using the file is visible to the user, when the user uploaded it, or
    when the user is staff of the library of a (draft) material that uses it.
    """
    if user.is_authenticated and (user.is_superuser or material_file.uploaded_by_user_id == user.pk):
        return True
    for page in material_file.materials.all():
        if user_can_view_material(user, page):
            return True
    return False


def material_is_public(page):
    """True if MaterialPage `page` is published with access level public (anyone may see it)."""
    return page.live and page.access_level == AccessLevel.PUBLIC


def file_is_public(material_file):
    """True if some published public material uses `material_file` (anyone may download it)."""
    return material_file.materials.filter(live=True, access_level=AccessLevel.PUBLIC).exists()


def keep_out_of_shared_caches(response, public):
    """Mark `response` `Cache-Control: private` unless its content is `public` (RFC 9111 §5.2.2.7),
    so that a proxy or CDN never keeps a copy of a school- or group-only material; a public one is
    marked `public, no-cache` (§5.2.2.9, §5.2.2.4): shared caches may store it but must ask again
    before reuse, so a material made school-only later is not served from a cache. Returns it."""
    if public:
        patch_cache_control(response, public=True, no_cache=True)
    else:
        patch_cache_control(response, private=True)
    return response


def _refuse(request, login_could_help):
    if login_could_help and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404(_("Không tìm thấy học liệu."))


def refuse_material(request, page):
    """The answer to a reader who may not see MaterialPage `page` (a response, or Http404 raised).

    A login redirect for an anonymous reader of a published material (only signing in can open a
    published school- or group-level one); otherwise Http404, exactly as for a material that does not
    exist: a draft, or a material of another school, is not revealed by its answer.
    """
    return _refuse(request, page.live)


def refuse_file(request, material_file):
    """Like `refuse_material`, for a MaterialFile: a login redirect for an anonymous reader when a
    published material uses the file, otherwise Http404."""
    return _refuse(request, material_file.materials.filter(live=True).exists())
