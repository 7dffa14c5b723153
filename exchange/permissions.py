"""Who harvests what through OAI-PMH: the one place the provider's access rules live.

Audiences (exchange.models): an anonymous harvester is the `public` audience and sees what an
anonymous reader of the site sees (repository.access.visible_materials of an anonymous user:
published, access level public). A request with `Authorization: Bearer <token>` (RFC 6750 §2.1) of
an active HarvesterToken is the audience of its library's network and sees that network's shared
materials: published, access level public or group, of a library of the network. School-level
materials never leave Hoclieu through OAI-PMH: they are for the school's own readers.

Harvesting (the hub's side): harvest sources and their runs are managed by superusers and by the
librarians of the source's receiving library (the hub), nobody else (`harvest_sources_for`,
`harvest_receiving_library_ids`). Who may *find* the harvested records is the repository's rule
(repository.access.visible_catalogue_records).
"""

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from repository.access import material_is_public, visible_materials
from repository.choices import AccessLevel
from repository.permissions import catalogue_library_ids, sees_all_libraries

from .models import (
    AUDIENCE_PUBLIC,
    NETWORK_AUDIENCE_PREFIX,
    HarvesterToken,
    HarvestRun,
    HarvestSource,
    network_audience,
)

NETWORK_LEVELS = (AccessLevel.PUBLIC, AccessLevel.GROUP)


class HarvesterRefused(Exception):
    """The request's credentials are refused. `status` is the HTTP status (401 bad or revoked token,
    403 a library in no network), `error` the RFC 6750 §3.1 error code, and the message says why."""

    def __init__(self, message, status, error):
        super().__init__(message)
        self.status = status
        self.error = error


def material_audiences(page):
    """The audiences (set of str) that may harvest MaterialPage `page` now (its library loaded)."""
    audiences = set()
    if material_is_public(page):
        audiences.add(AUDIENCE_PUBLIC)
    library = page.library if page.library_id else None
    if page.live and page.access_level in NETWORK_LEVELS and library is not None and library.network_id:
        audiences.add(network_audience(library.network_id))
    return audiences


def audience_materials(audience):
    """Live MaterialPages (a QuerySet) that `audience` may harvest now: the check made again, from
    the material itself, whenever a record's metadata is served."""
    if audience == AUDIENCE_PUBLIC:
        return visible_materials(AnonymousUser())
    from repository.models import MaterialPage

    network_id = int(audience.removeprefix(NETWORK_AUDIENCE_PREFIX))
    return MaterialPage.objects.live().filter(access_level__in=NETWORK_LEVELS, library__network_id=network_id)


def bearer_token(request):
    """The token (str) of the request's `Authorization: Bearer` header, "" without one.

    Raises HarvesterRefused (401, invalid_request) for an Authorization header of another scheme.
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return ""
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HarvesterRefused("Authorization must be 'Bearer <token>'.", 401, "invalid_request")
    return token.strip()


def request_audience(request):
    """(audience str, HarvesterToken or None) of an OAI-PMH request; see the module rules.

    Raises HarvesterRefused: 401 for an unknown or revoked token, 403 for a token of a library in
    no network (it would see nothing the public feed does not show).
    """
    token = bearer_token(request)
    if not token:
        return AUDIENCE_PUBLIC, None
    harvester = HarvesterToken.objects.resolve(token)
    if harvester is None:
        raise HarvesterRefused("Unknown or revoked harvester token.", 401, "invalid_token")
    if not harvester.library.network_id:
        raise HarvesterRefused("The token's library is in no library network.", 403, "insufficient_scope")
    HarvesterToken.objects.filter(pk=harvester.pk).update(last_used_at=timezone.now())
    return network_audience(harvester.library.network_id), harvester


def harvest_receiving_library_ids(user):
    """Set of Library pks whose harvest sources `user` manages (libraries where `user` is a
    librarian), or None for a superuser (every library)."""
    if sees_all_libraries(user):
        return None
    if not user.is_authenticated or not user.is_active:
        return set()
    return catalogue_library_ids(user)


def harvest_sources_for(user):
    """HarvestSources `user` manages (a QuerySet): all for a superuser, those received by a library
    where `user` is a librarian, none for anyone else."""
    library_ids = harvest_receiving_library_ids(user)
    if library_ids is None:
        return HarvestSource.objects.all()
    return HarvestSource.objects.filter(receiving_library_id__in=library_ids)


def harvest_runs_for(user):
    """HarvestRuns of the sources `user` manages (a QuerySet)."""
    return HarvestRun.objects.filter(source__in=harvest_sources_for(user))
