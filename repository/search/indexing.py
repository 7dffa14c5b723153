"""Building the whole search index from the database (demo data, repairs, a nightly job).

Wagtail's `wagtail.search` app also has a command named `update_index`, and it comes first in
INSTALLED_APPS, so `manage.py update_index` (and haystack's `rebuild_index`, which calls it by name)
run Wagtail's command, not haystack's. These functions call haystack's commands by class instead.
"""

from django.apps import apps
from django.core.management import call_command
from haystack import connections
from haystack.management.commands import clear_index, update_index

# Documents read from the database at a time while rebuilding.
REBUILD_CHUNK = 500


def update_search_index(remove=True, verbosity=0, **options):
    """Index every live material; with `remove`, drop documents whose page is no longer live.

    `options` are those of haystack's update_index (e.g. `age` in hours, `batchsize`). Raises
    repository.search.backend.IndexLockedError if the write lock stays taken.
    """
    call_command(update_index.Command(), remove=remove, verbosity=verbosity, **options)


def rebuild_search_index(verbosity=0):
    """Index every live material and every print catalogue record not deleted again into a new
    index that replaces the old one whole (needed
    after a change of the index's fields or analysis). Returns the number of documents.

    With Hoclieu's backend (repository.search.backend) the documents are replaced in one Xapian
    transaction, so readers never see an empty or half-built index; other backends (haystack's
    Solr, Elasticsearch) are cleared and filled again. Raises IndexLockedError if the write lock stays taken.
    """
    model = apps.get_model("repository", "MaterialPage")
    backend = connections["default"].get_backend()
    unified = connections["default"].get_unified_index()
    index = unified.get_index(model)
    print_index = unified.get_index(apps.get_model("repository", "CatalogueRecord"))
    if hasattr(backend, "rebuild"):
        pages = index.index_queryset().order_by("pk").iterator(chunk_size=REBUILD_CHUNK)
        records = print_index.index_queryset().order_by("pk").iterator(chunk_size=REBUILD_CHUNK)
        return backend.rebuild(index, pages, extra=[(print_index, records)])
    call_command(clear_index.Command(), interactive=False, verbosity=verbosity)
    update_search_index(remove=False, verbosity=verbosity)
    return index.index_queryset().count() + print_index.index_queryset().count()
