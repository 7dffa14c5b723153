"""Admin screens of harvesting (used by exchange.wagtail_hooks).

Every view reads its objects through the permission policies (exchange.permissions:
harvest_sources_for, harvest_runs_for), so a source or run of another hub answers 404 for the
listing, edit, delete, inspect, history and usage URLs alike.
"""

from django.contrib.admin.utils import unquote
from django.shortcuts import get_object_or_404
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView

from repository.views.admin_libraries import ScopedIndexMixin, ScopedObjectMixin, scoped_queryset


class ScopedInspectMixin:
    def get_object(self, queryset=None):
        return get_object_or_404(scoped_queryset(self), pk=unquote(str(self.pk)))


class HarvestSourceIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("receiving_library", "member_library")


class HarvestSourceEditView(ScopedObjectMixin, generic.EditView):
    pass


class HarvestSourceDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class HarvestSourceInspectView(ScopedInspectMixin, generic.InspectView):
    pass


class HarvestSourceHistoryView(ScopedObjectMixin, HistoryView):
    pass


class HarvestSourceUsageView(ScopedObjectMixin, UsageView):
    pass


class HarvestRunIndexView(ScopedIndexMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("source")


class HarvestRunInspectView(ScopedInspectMixin, generic.InspectView):
    """One run: its counts, and each failed record with its identifier and reason."""

    template_name = "exchange/admin/harvest_run_inspect.html"


class HarvestRunEditView(ScopedObjectMixin, generic.EditView):
    pass


class HarvestRunDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class HarvestRunHistoryView(ScopedObjectMixin, HistoryView):
    pass


class HarvestRunUsageView(ScopedObjectMixin, UsageView):
    pass
