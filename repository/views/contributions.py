"""Admin screen "Đóng góp học liệu": each library's contributions in a semester against its quota, the
lists to download (XLSX, PDF), and the quota form.

Who sees what (repository.permissions): principals and librarians see their own library, set its
quota and download its list; the hub library's principals and librarians also see every member's
progress (no download); superusers everything. Anyone else gets 404, as does a download or a quota
POST for a library outside what the user may download.
"""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..choices import Semester
from ..contributions import (
    InvalidPeriod,
    contribution_file,
    contribution_progress,
    current_period,
    semester_period,
)
from ..permissions import contribution_libraries, contribution_progress_libraries


class PeriodForm(forms.Form):
    """The semester shown: `school_year` ("2025-2026") and `semester` (1 or 2)."""

    school_year = forms.RegexField(
        label=gettext_lazy("Năm học"),
        regex=r"^\d{4}-\d{4}$",
        max_length=9,
        widget=forms.TextInput({"size": 9, "inputmode": "numeric"}),
    )
    semester = forms.TypedChoiceField(label=gettext_lazy("Học kì"), choices=Semester.choices, coerce=int)


class QuotaForm(forms.Form):
    """`contribution_quota` of one library (blank: none)."""

    contribution_quota = forms.IntegerField(
        label=gettext_lazy("Chỉ tiêu mỗi học kì"),
        min_value=0,
        max_value=10000,
        required=False,
        widget=forms.NumberInput({"style": "width: 6em"}),
    )


class ContributionsView(WagtailAdminTemplateMixin, TemplateView):
    """GET: progress of each library the user may follow in the chosen period (?school_year=&semester=,
    default current_period()); POST: set one library's quota."""

    template_name = "repository/admin/contributions.html"
    page_title = gettext_lazy("Đóng góp học liệu")
    header_icon = "list-ul"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        if not contribution_progress_libraries(request.user).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def period(self):
        form = PeriodForm(self.request.GET or None)
        if form.is_valid():
            try:
                return form, semester_period(form.cleaned_data["school_year"], form.cleaned_data["semester"])
            except InvalidPeriod as error:
                form.add_error("school_year", str(error))
        period = current_period()
        return PeriodForm(initial={"school_year": period.school_year, "semester": period.semester}), period

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        period_form, period = self.period()
        own = set(contribution_libraries(user).values_list("pk", flat=True))
        rows = []
        for progress in contribution_progress(contribution_progress_libraries(user).order_by("name"), period):
            library = progress.library
            mine = library.pk in own
            rows.append(
                {
                    "progress": progress,
                    "library": library,
                    "downloads": [
                        (
                            label,
                            reverse(
                                "hoclieu_contribution_list",
                                args=[library.pk, period.school_year, period.semester, file_format],
                            ),
                        )
                        for file_format, label in (("xlsx", "XLSX"), ("pdf", "PDF"))
                    ]
                    if mine
                    else [],
                    "quota_form": QuotaForm(
                        initial={"contribution_quota": library.contribution_quota}, prefix=f"l{library.pk}"
                    )
                    if mine
                    else None,
                }
            )
        context.update(rows=rows, period=period, period_form=period_form)
        return context

    def post(self, request):
        library = contribution_libraries(request.user).filter(pk=request.POST.get("library") or 0).first()
        if library is None:
            raise Http404
        form = QuotaForm(request.POST, prefix=f"l{library.pk}")
        if not form.is_valid():
            messages.error(
                request,
                _("Không lưu được chỉ tiêu: %(errors)s")
                % {"errors": " ".join(form.errors.get("contribution_quota", []))},
            )
            return redirect(request.get_full_path())
        library.contribution_quota = form.cleaned_data["contribution_quota"]
        library.save(update_fields=["contribution_quota"])
        if library.contribution_quota is None:
            messages.success(
                request, _("Thư viện “%(library)s”: bỏ chỉ tiêu đóng góp.") % {"library": library.name}
            )
        else:
            messages.success(
                request,
                _("Thư viện “%(library)s”: chỉ tiêu %(quota)d học liệu mỗi học kì.")
                % {"library": library.name, "quota": library.contribution_quota},
            )
        return redirect(request.get_full_path())


def contribution_list_download(request, library_id, school_year, semester, file_format):
    """The list of library `library_id` for `semester` of `school_year` as `file_format` (xlsx, pdf),
    as an attachment; 404 for a library the user may not download (contribution_libraries), an
    unknown period or format."""
    library = contribution_libraries(request.user).filter(pk=library_id).first()
    if library is None:
        raise Http404
    try:
        content, name, content_type = contribution_file(library, school_year, semester, file_format)
    except ValueError as error:  # InvalidPeriod too
        raise Http404 from error
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
