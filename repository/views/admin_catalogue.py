"""Admin screens of the print catalogue (used by repository.wagtail_hooks.catalogue).

Every view reads its objects through the permission policy (repository.permissions.
admin_catalogue_records), so a record of another library answers 404 for the listing, inspect,
edit, delete, history and usage URLs alike; the policy gives nobody "change" or "delete", so the
edit and delete views refuse even one's own records.
"""

from django.contrib.admin.utils import unquote
from django.db.models import Q
from django.shortcuts import get_object_or_404
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView

from ..catalogue.records import isbn13
from ..models.catalogue import fold_text
from .admin_libraries import ScopedIndexMixin, ScopedObjectMixin, scoped_queryset


def search_catalogue_records(queryset, query):
    """`queryset` (CatalogueRecords) narrowed to those matching `query`: title, author or publisher
    typed with or without diacritics (folded text), ISBN (10 or 13 digits) or control number (001)."""
    query = query.strip()
    condition = Q(control_number=query) | Q(title__icontains=query)
    folded = fold_text(query)
    if folded:
        condition |= Q(folded_text__contains=folded)
    isbn = isbn13(query)
    if isbn:
        condition |= Q(isbn=isbn)
    return queryset.filter(condition)


class CatalogueRecordIndexView(ScopedIndexMixin, generic.IndexView):
    """Listing of the records the user may see; search by title, author or publisher typed with or
    without diacritics (folded text), by ISBN (10 or 13 digits) or by control number (001)."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("library").prefetch_related("holdings")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_catalogue_records(queryset, self.search_query)


class CatalogueRecordInspectView(generic.InspectView):
    """One record: its columns, its holdings (call number, barcode, branch, location, item type)."""

    template_name = "repository/admin/catalogue_record_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(scoped_queryset(self), pk=unquote(str(self.pk)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["holdings"] = self.object.holdings.order_by("position")
        return context


class CatalogueRecordEditView(ScopedObjectMixin, generic.EditView):
    pass


class CatalogueRecordDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class CatalogueRecordHistoryView(ScopedObjectMixin, HistoryView):
    pass


class CatalogueRecordUsageView(ScopedObjectMixin, UsageView):
    pass
