"""Keep the OAI-PMH record table (exchange.models.OaiRecord) in step with the materials.

`sync_material(page_id)` compares the audiences that may harvest a material now
(exchange.permissions.material_audiences) with its rows: a new audience gets a live row, an audience
it left keeps a tombstone (deleted, OAI-PMH 2.0 §2.5.1 persistent deletion), and a row whose material
or sets changed gets a new datestamp. It is called by the signal receivers (exchange.signal_handlers)
on publish, unpublish, delete, move, library and network changes and when the media pipeline's
findings on a live material's file change (`sync_file`), and by `manage.py oai_sync` for materials
published before this app was installed.
"""

from datetime import UTC

from django.db import transaction
from django.utils import timezone

from repository.models import MaterialPage

from .models import OaiRecord, network_audience
from .permissions import material_audiences


def now_seconds():
    """The current time, aware UTC, truncated to whole seconds (the provider's granularity)."""
    return timezone.now().astimezone(UTC).replace(microsecond=0)


def _set_columns(page):
    library = page.library if page.library_id else None
    return {
        "library_id": page.library_id,
        "library_code": library.code if library else "",
        "material_type": page.material_type or "",
        "subject": page.subject or "",
    }


def sync_material(page_id, touch=False):
    """Bring the OaiRecords of MaterialPage `page_id` up to date; returns the number of rows written.

    With `touch`, live rows get a new datestamp even when nothing the table holds changed (the
    material was published again, so its metadata may have). A page that no longer exists leaves
    tombstones in every audience that saw it.
    """
    page = MaterialPage.objects.filter(pk=page_id).select_related("library").first()
    wanted = material_audiences(page) if page is not None else set()
    written = 0
    now = now_seconds()
    with transaction.atomic():
        rows = OaiRecord.objects.select_for_update().filter(page_id=page_id)
        existing = {row.audience: row for row in rows}
        for audience in sorted(wanted):
            columns = _set_columns(page)
            row = existing.get(audience)
            if row is None:
                OaiRecord.objects.create(page_id=page_id, audience=audience, datestamp=now, **columns)
                written += 1
                continue
            changed = any(getattr(row, name) != value for name, value in columns.items())
            if row.deleted or touch or changed:
                OaiRecord.objects.filter(pk=row.pk).update(deleted=False, datestamp=now, **columns)
                written += 1
        for audience, row in existing.items():
            if audience not in wanted and not row.deleted:
                OaiRecord.objects.filter(pk=row.pk).update(deleted=True, datestamp=now)
                written += 1
    return written


def sync_library(library_id):
    """sync_material for every material of Library `library_id` (it joined, left or changed network)."""
    page_ids = set(MaterialPage.objects.filter(library_id=library_id).values_list("pk", flat=True))
    exposed = OaiRecord.objects.filter(library_id=library_id, deleted=False)
    page_ids |= set(exposed.values_list("page_id", flat=True))
    return sum(sync_material(page_id) for page_id in sorted(page_ids))


def sync_file(material_file_id):
    """sync_material with `touch` for every live MaterialPage whose live content uses MaterialFile
    `material_file_id` (what the pipeline found of the file, which their records describe: MARC 300,
    347, 005, changed); returns the number of rows written.

    A file only a draft revision uses (a new version under review) touches nothing: the live records
    did not change. Rows of audiences that no longer see a material are left to sync_material.
    """
    page_ids = MaterialPage.objects.live().filter(file_id=material_file_id).values_list("pk", flat=True)
    return sum(sync_material(page_id, touch=True) for page_id in sorted(page_ids))


def sync_network_deleted(network_id):
    """sync_material for every material with a live row in the audience of LibraryNetwork
    `network_id`, once the network is deleted; returns the number of rows written.

    The database sets the `network` of its libraries to NULL (Library.network, on_delete SET_NULL)
    without saving them, so no library_saved is heard: the network's audience no longer exists and
    its rows become tombstones (OAI-PMH 2.0 §2.5.1), the other audiences' rows are left as they are.
    """
    audience = network_audience(network_id)
    page_ids = OaiRecord.objects.filter(audience=audience, deleted=False).values_list("page_id", flat=True)
    return sum(sync_material(page_id) for page_id in sorted(set(page_ids)))


def backfill():
    """sync_material for every live material and every live row; returns (materials seen, rows written).

    For an installation whose materials were published before this app existed, and as a repair
    after a change made without signals (a queryset update).
    """
    page_ids = set(MaterialPage.objects.live().values_list("pk", flat=True))
    page_ids |= set(OaiRecord.objects.filter(deleted=False).values_list("page_id", flat=True))
    written = sum(sync_material(page_id) for page_id in sorted(page_ids))
    return len(page_ids), written
