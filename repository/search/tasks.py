"""Index writes as background tasks (django-tasks), so no web request writes the search index.

The signal processor (repository.search.signals) queues these when a transaction commits; the task
worker (`manage.py db_worker`) runs them. Arguments are primitive (page ids, document
identifiers); each run reads the pages again, so the committed state decides. With the immediate
backend (tests) they run at once, inside the commit hook.

A task that finds the index's write lock taken for the backend's whole LOCK_TIMEOUT (a rebuild
holds it throughout; repository.search.backend.IndexLockedError) queues itself again for the items
not yet handled, to run after RETRY_DELAY seconds, doubled at each retry up to RETRY_MAX_DELAY,
at most RETRY_ATTEMPTS times (about an hour and a half in all); then it logs an error
(`manage.py update_index --remove` repairs the index). With a task backend that cannot run a task
later (the immediate backend) the error is logged at once.
"""

import logging
from datetime import timedelta

from django.apps import apps
from django.utils import timezone
from django_tasks import task
from haystack import connections
from haystack.exceptions import NotHandled

from .backend import IndexLockedError

logger = logging.getLogger("hoclieu.search")

# Seconds before the first retry of work that found the write lock taken; doubled at each retry.
RETRY_DELAY = 30
RETRY_MAX_DELAY = 900
RETRY_ATTEMPTS = 8


def retry_later(task_, items, attempt):
    """Queue `task_` again for `items` (a list), as retry `attempt` + 1, after the backoff delay
    (RETRY_DELAY * 2 ** attempt seconds, at most RETRY_MAX_DELAY). Returns the TaskResult, or None
    (logged as an error) when the retries are spent or the task backend cannot run a task later."""
    backend = task_.get_backend()
    if attempt >= RETRY_ATTEMPTS or not backend.supports_defer:
        logger.error("Chỉ mục tìm kiếm bị khoá ghi; bỏ %s cho %s sau %d lần thử lại",
                     task_.name, items, attempt)
        return None
    delay = min(RETRY_DELAY * 2 ** attempt, RETRY_MAX_DELAY)
    logger.warning("Chỉ mục tìm kiếm bị khoá ghi; %s cho %s chạy lại sau %d giây", task_.name, items, delay)
    return task_.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
        list(items), attempt=attempt + 1
    )


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
def reindex_materials_task(page_ids, attempt=0):
    """Index the MaterialPages `page_ids` (list of int) that are live; remove the others. Returns the
    number of pages handled. A page that fails is logged and the others go on; when the write lock
    stays taken, the pages not yet handled are queued again (`retry_later`; `attempt` counts the
    retries so far)."""
    model = apps.get_model("repository", "MaterialPage")
    for alias, _backend, index in _backends_and_indexes():
        for position, pk in enumerate(page_ids):
            try:
                index.update_object(model(pk=pk), using=alias)
            except IndexLockedError:
                retry_later(reindex_materials_task, page_ids[position:], attempt)
                return position
            except Exception:
                logger.exception("Không cập nhật được chỉ mục cho học liệu %s", pk)
    return len(page_ids)


@task()
def remove_documents_task(identifiers, attempt=0):
    """Remove the documents `identifiers` (list of "repository.materialpage.<pk>") from the index.
    Returns the number of identifiers handled; when the write lock stays taken, those not yet
    handled are queued again (`retry_later`)."""
    for _alias, backend, _index in _backends_and_indexes():
        for position, identifier in enumerate(identifiers):
            try:
                backend.remove(identifier)
            except IndexLockedError:
                retry_later(remove_documents_task, identifiers[position:], attempt)
                return position
            except Exception:
                logger.exception("Không xoá được %s khỏi chỉ mục", identifier)
    return len(identifiers)


@task()
def reindex_catalogue_records_task(record_ids, attempt=0):
    """Index the CatalogueRecords `record_ids` (list of int) that exist and are not deleted; remove
    the others. Returns the number of records handled. A record that fails is logged, the others go
    on; when the write lock stays taken, those not yet handled are queued again (`retry_later`)."""
    model = apps.get_model("repository", "CatalogueRecord")
    for alias in connections.connections_info:
        try:
            index = connections[alias].get_unified_index().get_index(model)
        except NotHandled:
            continue
        for position, pk in enumerate(record_ids):
            try:
                index.update_object(model(pk=pk), using=alias)
            except IndexLockedError:
                retry_later(reindex_catalogue_records_task, record_ids[position:], attempt)
                return position
            except Exception:
                logger.exception("Không cập nhật được chỉ mục cho biểu ghi sách in %s", pk)
    return len(record_ids)
