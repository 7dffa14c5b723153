"""Admin report of the hub's quality control of catalogue records (repository.catalogue.quality).

GET /admin/hoclieu/chat-luong-bieu-ghi/ lists the failures found by the last check, one row per
(record, rule), filterable by library and rule, with Wagtail's XLSX (one sheet per member library)
and CSV export. POST .../kiem-tra/ queues a new check of the libraries the user may see.

Who sees what (repository.permissions.quality_library_ids): a hub library's librarians see every
member of its network, a member's librarians only their own library, superusers all; anyone else
(teachers, reviewers, principals, students) gets 404, as for a page that does not exist.
"""

import django_filters
from django.contrib import messages
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from ..catalogue.quality import write_workbook
from ..models import CatalogueRecord, CatalogueSource, Library, QualityIssue, QualityRule
from ..permissions import quality_library_ids, sees_all_libraries
from ..tasks import check_catalogue_quality_task


def quality_libraries(user):
    """QuerySet of the Libraries whose quality report `user` may see (all for a superuser)."""
    if sees_all_libraries(user):
        return Library.objects.all()
    return Library.objects.filter(pk__in=quality_library_ids(user))


def user_sees_quality_report(user):
    """True for a superuser or a librarian (of any library): the report's menu item and views."""
    return sees_all_libraries(user) or bool(quality_library_ids(user))


class QualityIssueFilterSet(WagtailFilterSet):
    library = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Thư viện"), field_name="record__library", empty_label=gettext_lazy("Tất cả"),
        queryset=lambda request: quality_libraries(request.user),
    )
    rule = django_filters.ChoiceFilter(label=gettext_lazy("Quy tắc"), choices=QualityRule.choices,
                                       empty_label=gettext_lazy("Tất cả"))
    source = django_filters.ChoiceFilter(label=gettext_lazy("Nguồn"), field_name="record__source",
                                         choices=CatalogueSource.choices, empty_label=gettext_lazy("Tất cả"))

    class Meta:
        model = QualityIssue
        fields = ["library", "rule", "source"]


class QualityReportView(ReportView):
    """The failures of the records of the libraries the user may see (see the module docstring)."""

    page_title = gettext_lazy("Chất lượng biểu ghi")
    header_icon = "warning"
    template_name = "wagtailadmin/reports/base_report.html"
    results_template_name = "repository/admin/catalogue_quality_results.html"
    filterset_class = QualityIssueFilterSet
    index_url_name = "hoclieu_catalogue_quality"
    index_results_url_name = "hoclieu_catalogue_quality_results"
    paginate_by = 100
    no_results_message = gettext_lazy("Không có biểu ghi nào vi phạm quy tắc (theo lần kiểm tra gần nhất).")
    columns = [
        Column("library", label=gettext_lazy("Thư viện"), accessor="record.member_label"),
        Column("control_number", label=gettext_lazy("Số kiểm soát (001)"), accessor="record.control_number"),
        Column("title", label=gettext_lazy("Nhan đề"), accessor="record.title"),
        Column("rule", label=gettext_lazy("Quy tắc"), accessor="get_rule_display"),
        Column("tag", label=gettext_lazy("Trường"), accessor="tag"),
        Column("message", label=gettext_lazy("Lỗi"), accessor="message"),
    ]
    list_export = ["record.member_label", "record.control_number", "record.control_number_identifier",
                   "record.title", "get_rule_display", "tag", "message"]
    export_headings = {
        "record.member_label": gettext_lazy("Thư viện"),
        "record.control_number": gettext_lazy("Số kiểm soát (001)"),
        "record.control_number_identifier": gettext_lazy("Mã cơ quan (003)"),
        "record.title": gettext_lazy("Nhan đề"),
        "get_rule_display": gettext_lazy("Quy tắc"),
        "tag": gettext_lazy("Trường"),
        "message": gettext_lazy("Lỗi"),
    }

    def dispatch(self, request, *args, **kwargs):
        if not user_sees_quality_report(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_filename(self):
        return "chat-luong-bieu-ghi"

    def get_queryset(self):
        return (QualityIssue.objects
                .filter(record__library__in=quality_libraries(self.request.user), record__deleted=False)
                .select_related("record", "record__library"))

    def write_xlsx(self, queryset, output):
        """One sheet per member library (repository.catalogue.quality.write_workbook)."""
        write_workbook(queryset, output)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = CatalogueRecord.objects.active().filter(library__in=quality_libraries(self.request.user))
        checked = records.exclude(quality_checked_at=None).order_by("-quality_checked_at").first()
        context["last_checked_at"] = checked.quality_checked_at if checked else None
        context["records_count"] = records.count()
        context["unchecked_count"] = records.filter(
            Q(quality_checked_at=None) | Q(updated_at__gt=F("quality_checked_at"))
        ).count()
        context["check_url"] = reverse("hoclieu_catalogue_quality_check")
        return context


@require_POST
def check_quality_view(request):
    """Queue a new check of every record of the libraries the user may see (all libraries for a
    superuser) for the task worker (a network's catalogue takes too long for a request); redirect to
    the report. 404 for anyone who may not see the report."""
    if not user_sees_quality_report(request.user):
        raise Http404
    library_ids = list(quality_libraries(request.user).values_list("pk", flat=True))
    check_catalogue_quality_task.enqueue(library_ids)
    messages.success(request, _("Đã yêu cầu kiểm tra lại %(count)d thư viện; báo cáo được cập nhật khi "
                                "kiểm tra xong.") % {"count": len(library_ids)})
    return redirect(reverse("hoclieu_catalogue_quality"))
