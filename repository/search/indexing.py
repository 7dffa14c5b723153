"""Building the whole search index from the database (demo data, repairs, a nightly job).

Wagtail's `wagtail.search` app also has a command named `update_index`, and it comes first in
INSTALLED_APPS, so `manage.py update_index` (and haystack's `rebuild_index`, which calls it by name)
run Wagtail's command, not haystack's. These functions call haystack's commands by class instead.
"""

from django.core.management import call_command
from haystack.management.commands import clear_index, update_index


def update_search_index(remove=True, verbosity=0, **options):
    """Index every live material; with `remove`, drop documents whose page is no longer live.

    `options` are those of haystack's update_index (e.g. `age` in hours, `batchsize`). Raises
    repository.search.backend.IndexLockedError if the write lock stays taken.
    """
    call_command(update_index.Command(), remove=remove, verbosity=verbosity, **options)


def rebuild_search_index(verbosity=0):
    """Empty the index and index every live material again (needed after an analyzer change)."""
    call_command(clear_index.Command(), interactive=False, verbosity=verbosity)
    update_search_index(remove=False, verbosity=verbosity)
