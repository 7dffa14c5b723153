"""manage.py rebuild_search_index: empty the material search index and index every live material again.

Needed after an upgrade that changes the index's fields or analysis (e.g. the Vietnamese ranked
fields of repository.search.vietnamese). Haystack's own `rebuild_index` must not be used: it calls
`update_index` by name, which is Wagtail's command, and would leave the index empty
(repository.search.indexing explains).
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from repository.search.indexing import rebuild_search_index


class Command(BaseCommand):
    help = _("Xây lại chỉ mục tìm kiếm học liệu từ cơ sở dữ liệu.")

    def handle(self, *args, verbosity=1, **options):
        rebuild_search_index(verbosity=max(0, verbosity - 1))
        if verbosity:
            self.stdout.write(_("Đã xây lại chỉ mục tìm kiếm."))
