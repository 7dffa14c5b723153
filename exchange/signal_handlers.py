"""Signal receivers of the exchange app, connected from ExchangeConfig.ready().

The record table (exchange.records) follows the repository's materials without the repository
knowing: a material saved (which covers publishing, unpublishing and a change of access level,
since each saves the page), published (its record changed: new datestamp), unpublished, deleted,
moved (after repository.moves has given it its new library: this app's receivers are connected
after the repository's, INSTALLED_APPS order), a library saved (it may have joined or left a
network), a network deleted (its audience's rows become tombstones), and the media pipeline's
findings on a file changed (repository.signals.material_file_summary_changed: the live materials
using it get a new datestamp, their MARC 300/347/005 changed). Raw fixture loads are skipped. The
work runs in the caller's transaction, so a change rolled back leaves no row behind.

The worker's tick (repository.signals.worker_tick, sent by `manage.py db_worker` at start and every
HOCLIEU_REAP_INTERVAL seconds) claims the harvest sources that are due and queues one harvest task
for each (exchange.tasks.harvest_source_task).
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from repository.signals import material_file_summary_changed, worker_tick

from .harvesting import claim_due_sources
from .records import sync_file, sync_library, sync_material, sync_network_deleted
from .tasks import harvest_source_task


def _is_material(sender):
    material_page = apps.get_model("repository", "MaterialPage")
    return isinstance(sender, type) and issubclass(sender, material_page)


def material_saved(sender, instance, raw=False, **kwargs):
    """post_save of MaterialPage: its audiences may have changed (published, unpublished, access)."""
    if not raw:
        sync_material(instance.pk)


def material_published(sender, instance, **kwargs):
    """page_published: the record changed, every audience that may see it gets a new datestamp."""
    if _is_material(sender):
        sync_material(instance.pk, touch=True)


def material_withdrawn(sender, instance, **kwargs):
    """page_unpublished, post_delete of MaterialPage, post_page_move: tombstones where it left."""
    if _is_material(sender) or _is_material(type(instance)):
        sync_material(instance.pk)


def library_saved(sender, instance, raw=False, **kwargs):
    """post_save of Library: its materials' network audience follows the library's network."""
    if not raw:
        sync_library(instance.pk)


def network_deleted(sender, instance, **kwargs):
    """post_delete of LibraryNetwork: its audience's records become tombstones."""
    sync_network_deleted(instance.pk)


def file_summary_changed(sender, material_file, **kwargs):
    """material_file_summary_changed: the records of the live materials using the file changed."""
    sync_file(material_file.pk)


def queue_due_harvests(sender, **kwargs):
    """worker_tick: claim the due harvest sources and queue a harvest of each; returns their pks."""
    claimed = claim_due_sources()
    for source_id in claimed:
        harvest_source_task.enqueue(source_id)
    return claimed


def register_signal_handlers():
    """Connect the receivers above (dispatch uids keep them connected once)."""
    material_page = apps.get_model("repository", "MaterialPage")
    library = apps.get_model("repository", "Library")
    post_save.connect(material_saved, sender=material_page, dispatch_uid="exchange_material_saved")
    post_delete.connect(material_withdrawn, sender=material_page, dispatch_uid="exchange_material_deleted")
    page_published.connect(material_published, dispatch_uid="exchange_material_published")
    page_unpublished.connect(material_withdrawn, dispatch_uid="exchange_material_unpublished")
    post_page_move.connect(material_withdrawn, dispatch_uid="exchange_material_moved")
    post_save.connect(library_saved, sender=library, dispatch_uid="exchange_library_saved")
    post_delete.connect(network_deleted, sender=apps.get_model("repository", "LibraryNetwork"),
                        dispatch_uid="exchange_network_deleted")
    material_file_summary_changed.connect(file_summary_changed, dispatch_uid="exchange_file_summary_changed")
    worker_tick.connect(queue_due_harvests, dispatch_uid="exchange_queue_due_harvests")
