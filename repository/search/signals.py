"""Keeps the search index in step with what is published (HAYSTACK_SIGNAL_PROCESSOR).

- a material is published (also re-published after an edit), wagtail `page_published`:
  add or replace its document;
- a material is unpublished (`page_unpublished`) or deleted (`post_delete` of MaterialPage): remove it;
- a file's processing finished, so its extracted text is there (`post_save` of MaterialFile with
  status done): re-index the live materials that use the file;
- a librarian corrects a file's transcript (`post_save` of TranscriptCorrection): the same;
- a print catalogue record is saved or deleted (`post_save`/`post_delete` of CatalogueRecord): index
  it (removed when marked deleted) or remove it; an import queues one task per batch instead;
- a library joins, leaves or changes network (`pre_save`/`post_save` of Library): re-index its
  live materials, whose `network_id` decides group-level access.

Saving a draft changes nothing, so nothing is indexed until publication. Index writes are queued
as tasks (repository.search.tasks) when the database transaction commits (`transaction.on_commit`),
so a rolled-back publish never reaches the index, no web request writes the index (the task worker
does), and the page read back is the committed one. A write that finds the write lock taken (see
backend.IndexLockedError) is queued again with a growing delay (repository.search.tasks); one that
fails otherwise, or runs out of retries, is logged on "hoclieu.search" with the page id;
`manage.py update_index --remove` repairs the index, and search results are checked against
repository.access.visible_materials anyway.
"""

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from haystack.signals import BaseSignalProcessor
from haystack.utils import get_identifier
from wagtail.signals import page_published, page_unpublished

from ..models import ProcessingStatus
from .tasks import reindex_catalogue_records_task, reindex_materials_task, remove_documents_task


class MaterialSignalProcessor(BaseSignalProcessor):
    """Haystack signal processor for material pages; see the module docstring for the events."""

    def _connections(self):
        """(signal, receiver, sender) of every event the processor follows; sender None = any."""
        return [
            (page_published, self.handle_page_published, None),
            (page_unpublished, self.handle_page_unpublished, None),
            (post_delete, self.handle_material_delete, "repository.MaterialPage"),
            (post_save, self.handle_file_save, "repository.MaterialFile"),
            (post_save, self.handle_transcript_correction, "repository.TranscriptCorrection"),
            (post_save, self.handle_catalogue_record_save, "repository.CatalogueRecord"),
            (post_delete, self.handle_catalogue_record_delete, "repository.CatalogueRecord"),
            (pre_save, self.handle_library_pre_save, "repository.Library"),
            (post_save, self.handle_library_save, "repository.Library"),
        ]

    def setup(self):
        for signal, receiver, sender in self._connections():
            signal.connect(receiver, sender=sender)

    def teardown(self):
        for signal, receiver, sender in self._connections():
            signal.disconnect(receiver, sender=sender)

    # --- receivers -------------------------------------------------------------------------

    def handle_page_published(self, sender, instance, **kwargs):
        if _is_material(sender):
            self._on_commit(self.reindex_materials, [instance.pk])

    def handle_page_unpublished(self, sender, instance, **kwargs):
        if _is_material(sender):
            self._on_commit(self.remove_identifiers, [get_identifier(instance)])

    def handle_material_delete(self, sender, instance, **kwargs):
        # The identifier is taken now: Django clears the pk once the delete is over.
        self._on_commit(self.remove_identifiers, [get_identifier(instance)])

    def handle_file_save(self, sender, instance, raw=False, **kwargs):
        if raw or instance.processing_status != ProcessingStatus.DONE:
            return
        self._on_commit(self.reindex_materials, self._live_pks(file_id=instance.pk))

    def handle_transcript_correction(self, sender, instance, raw=False, **kwargs):
        # A corrected transcript is the file's searchable text from now on.
        if raw:
            return
        self._on_commit(self.reindex_materials, self._live_pks(file_id=instance.material_file_id))

    def handle_catalogue_record_save(self, sender, instance, raw=False, **kwargs):
        # An import (repository.catalogue.importing) queues one task per batch itself.
        if raw or getattr(instance, "_search_indexed_by_batch", False):
            return
        self._on_commit(self.reindex_catalogue_records, [instance.pk])

    def handle_catalogue_record_delete(self, sender, instance, **kwargs):
        self._on_commit(self.remove_identifiers, [get_identifier(instance)])

    def handle_library_pre_save(self, sender, instance, raw=False, **kwargs):
        if raw or instance.pk is None:
            return
        previous = sender.objects.filter(pk=instance.pk).values_list("network_id", flat=True).first()
        instance._search_previous_network_id = previous

    def handle_library_save(self, sender, instance, raw=False, created=False, **kwargs):
        previous = getattr(instance, "_search_previous_network_id", instance.network_id)
        if raw or created or previous == instance.network_id:
            return
        self._on_commit(self.reindex_materials, self._live_pks(library_id=instance.pk))

    # --- index writes ----------------------------------------------------------------------

    @staticmethod
    def reindex_materials(pks):
        """Queue the indexing of the MaterialPages `pks` (list of int): live ones indexed, others removed."""
        reindex_materials_task.enqueue(list(pks))

    @staticmethod
    def reindex_catalogue_records(pks):
        """Queue the indexing of the CatalogueRecords `pks` (list of int): deleted ones removed."""
        reindex_catalogue_records_task.enqueue(list(pks))

    @staticmethod
    def remove_identifiers(identifiers):
        """Queue the removal of the documents `identifiers` ("repository.materialpage.<pk>")."""
        remove_documents_task.enqueue(list(identifiers))

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _live_pks(**filters):
        model = apps.get_model("repository", "MaterialPage")
        return list(model.objects.live().filter(**filters).values_list("pk", flat=True))

    @staticmethod
    def _on_commit(func, args):
        if args:
            transaction.on_commit(lambda: func(args))


def _is_material(sender):
    return issubclass(sender, apps.get_model("repository", "MaterialPage"))
