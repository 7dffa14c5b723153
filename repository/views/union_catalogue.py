"""Admin screens of the union catalogue (Mục lục liên hợp) and copy cataloguing (issue 8, item 6).

GET /admin/hoclieu/muc-luc-lien-hop/ lists the records a librarian may copy from
(repository.permissions.union_catalogue_records: the other libraries of their network, and records
harvested by the network's libraries), searchable with or without diacritics, by ISBN or 001, and
filterable by library and source. GET .../<pk>/ shows one record and a form to copy it; POST copies
it into one of the user's libraries (repository.catalogue.copying.copy_record) and opens the copy in
"Kho sách in".

Refusals: anyone but a librarian or a superuser gets 404 for every URL here; a record outside the
user's union catalogue answers 404; a target library the user may not copy into (another network,
one where they are not a librarian, the record's own library) is refused with 403 (PermissionDenied).
"""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic

from ..catalogue.copying import CopyRefused, copy_record
from ..models import CatalogueRecord, CatalogueSource, Library
from ..permissions import (
    catalogue_library_ids,
    copy_target_libraries,
    sees_all_libraries,
    union_catalogue_records,
)
from .admin_catalogue import search_catalogue_records


def user_sees_union_catalogue(user):
    """True for a superuser or a librarian of a library: the union catalogue's menu item and views."""
    return sees_all_libraries(user) or bool(catalogue_library_ids(user))


def _union_libraries(request):
    return Library.objects.filter(pk__in=union_catalogue_records(request.user).values("library_id"))


class UnionCatalogueFilterSet(WagtailFilterSet):
    library = django_filters.ModelChoiceFilter(label=gettext_lazy("Thư viện"), queryset=_union_libraries,
                                               empty_label=gettext_lazy("Tất cả"))
    source = django_filters.ChoiceFilter(label=gettext_lazy("Nguồn"), choices=CatalogueSource.choices,
                                         empty_label=gettext_lazy("Tất cả"))

    class Meta:
        model = CatalogueRecord
        fields = ["library", "source"]


class UnionCatalogueIndexView(generic.IndexView):
    """The union catalogue of the user's network(s), each record with its member library."""

    model = CatalogueRecord
    page_title = gettext_lazy("Mục lục liên hợp")
    header_icon = "list-ul"
    index_url_name = "hoclieu_union_catalogue"
    index_results_url_name = "hoclieu_union_catalogue_results"
    filterset_class = UnionCatalogueFilterSet
    search_fields = ["title"]
    search_backend_name = None
    paginate_by = 50
    default_ordering = "title"
    columns = [
        TitleColumn("title", label=gettext_lazy("Nhan đề"), url_name="hoclieu_union_catalogue_record"),
        Column("authors", label=gettext_lazy("Tác giả"), accessor=lambda r: "; ".join(r.author_list)),
        Column("publication_year", label=gettext_lazy("Năm")),
        Column("isbn", label=gettext_lazy("ISBN")),
        Column("ddc", label=gettext_lazy("DDC")),
        Column("member", label=gettext_lazy("Thư viện"), accessor="member_label"),
    ]

    def dispatch(self, request, *args, **kwargs):
        if not user_sees_union_catalogue(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return union_catalogue_records(self.request.user).select_related("library")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_catalogue_records(queryset, self.search_query)


class CopyForm(forms.Form):
    library = forms.ModelChoiceField(label=gettext_lazy("Sao chép vào mục lục của"),
                                     queryset=Library.objects.none(), empty_label=None)

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries


def union_record_view(request, pk):
    """One record of the union catalogue with its copy form (GET); copy it (POST)."""
    if not user_sees_union_catalogue(request.user):
        raise Http404
    record = get_object_or_404(union_catalogue_records(request.user).select_related("library"), pk=pk)
    libraries = copy_target_libraries(request.user, record)
    if request.method == "POST":
        # The chosen library is checked against every library, so one the user may not copy into is
        # refused (403), not silently replaced.
        form = CopyForm(request.POST, libraries=Library.objects.all())
        if form.is_valid():
            library = form.cleaned_data["library"]
            if not libraries.filter(pk=library.pk).exists():
                raise PermissionDenied
            try:
                copy = copy_record(record, library)
            except CopyRefused as exc:
                raise PermissionDenied from exc
            messages.success(request, _("Đã sao chép “%(title)s” vào mục lục của %(library)s (số kiểm soát "
                                        "%(number)s).") % {"title": copy.title, "library": library.name,
                                                          "number": copy.control_number})
            return redirect(reverse("catalogue_records:inspect", args=[copy.pk]))
    else:
        form = CopyForm(libraries=libraries)
    return TemplateResponse(request, "repository/admin/union_record.html", {
        "record": record,
        "form": form,
        "can_copy": libraries.exists(),
        "page_title": record.title,
        "header_icon": "list-ul",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Trang chủ")},
            {"url": reverse("hoclieu_union_catalogue"), "label": _("Mục lục liên hợp")},
            {"url": "", "label": record.title},
        ],
    })
