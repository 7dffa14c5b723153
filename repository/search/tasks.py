"""Index writes as background tasks (django-tasks), so no web request writes the search index.

The signal processor (repository.search.signals) queues these when a transaction commits; the task
worker (`manage.py db_worker`) runs them. Arguments are primitive (page ids, document
identifiers); each run reads the pages again, so the committed state decides. With the immediate
backend (tests) they run at once, inside the commit hook.
"""

import logging

from django.apps import apps
from django_tasks import task
from haystack import connections
from haystack.exceptions import NotHandled

logger = logging.getLogger("hoclieu.search")


def _backends_and_indexes():
    """(alias, backend, MaterialPage index) of every haystack connection that indexes materials."""
    model = apps.get_model("repository", "MaterialPage")
    for alias in connections.connections_info:
        try:
            index = connections[alias].get_unified_index().get_index(model)
        except NotHandled:
            continue
        yield alias, connections[alias].get_backend(), index


@task()
def reindex_materials_task(page_ids):
    """Index the MaterialPages `page_ids` (list of int) that are live; remove the others. Returns the
    number of pages handled. A page that fails is logged and the others go on."""
    model = apps.get_model("repository", "MaterialPage")
    for alias, _backend, index in _backends_and_indexes():
        for pk in page_ids:
            try:
                index.update_object(model(pk=pk), using=alias)
            except Exception:
                logger.exception("Không cập nhật được chỉ mục cho học liệu %s", pk)
    return len(page_ids)


@task()
def remove_documents_task(identifiers):
    """Remove the documents `identifiers` (list of "repository.materialpage.<pk>") from the index.
    Returns the number of identifiers handled."""
    for _alias, backend, _index in _backends_and_indexes():
        for identifier in identifiers:
            try:
                backend.remove(identifier)
            except Exception:
                logger.exception("Không xoá được %s khỏi chỉ mục", identifier)
    return len(identifiers)


@task()
def reindex_catalogue_records_task(record_ids):
    """Index the CatalogueRecords `record_ids` (list of int) that exist and are not deleted; remove
    the others. Returns the number of records handled. A record that fails is logged, the others go on."""
    model = apps.get_model("repository", "CatalogueRecord")
    for alias in connections.connections_info:
        try:
            index = connections[alias].get_unified_index().get_index(model)
        except NotHandled:
            continue
        for pk in record_ids:
            try:
                index.update_object(model(pk=pk), using=alias)
            except Exception:
                logger.exception("Không cập nhật được chỉ mục cho biểu ghi sách in %s", pk)
    return len(record_ids)
