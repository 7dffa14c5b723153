"""Wagtail hooks: pipeline. The admin listing "Tệp xử lí lỗi" and the retry action (POST only).

URLs (namespace `hoclieu_pipeline`, under the admin, so Wagtail's admin login applies):
- `hoclieu_pipeline:failed_files` — failed files the user may act on, with their errors and a retry
  button each (repository.pipeline.files_for_user);
- `hoclieu_pipeline:retry` (pk) — POST: re-enqueue what failed or stalled;
- `hoclieu_pipeline:reprocess` (pk, kind) — POST: do one kind of work again (repository.pipeline.reprocess),
  e.g. the text of a PDF, from the "Xử lí tệp" panel of a material's edit view (repository.panels).

Both are allowed to the uploader, a librarian of the file's library and superusers
(repository.pipeline.user_can_retry_processing), and answer 404 to everyone else, as for a file that
does not exist (no existence oracle).
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.site_summary import SummaryItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.base import BaseListingView

from ..models import DerivativeKind, MaterialFile
from ..models.materials import ProcessingStatus
from ..pipeline import (
    files_for_user,
    reprocess,
    retry_processing,
    stuck_files,
    user_can_retry_processing,
)

RETRYABLE = (ProcessingStatus.FAILED, ProcessingStatus.PENDING, ProcessingStatus.RUNNING)


class FileTitleColumn(Column):
    """The file's title, linking to Wagtail's document edit view."""

    def render_cell_html(self, instance, parent_context):
        return format_html(
            '<td><a href="{}">{}</a><div class="w-text-14">{}</div></td>',
            reverse("wagtaildocs:edit", args=[instance.pk]), instance.title, instance.filename,
        )


class RetryColumn(Column):
    """A POST form with its CSRF token and one button, for files the user may retry."""

    def render_cell_html(self, instance, parent_context):
        request = parent_context.get("request")
        if request is None or not user_can_retry_processing(request.user, instance):
            return format_html("<td></td>")
        return format_html(
            '<td><form method="post" action="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}">'
            '<button type="submit" class="button button-small button-secondary">{}</button>'
            "</form></td>",
            reverse("hoclieu_pipeline:retry", args=[instance.pk]),
            get_token(request), request.get_full_path(), _("Xử lí lại"),
        )


class FailedFilesView(BaseListingView):
    """Files whose processing failed, among those the user may follow (files_for_user)."""

    page_title = _("Tệp xử lí lỗi")
    header_icon = "warning"
    index_url_name = "hoclieu_pipeline:failed_files"
    verbose_name_plural = _("tệp xử lí lỗi")
    paginate_by = 50
    columns = [
        FileTitleColumn("title", label=_("Tệp")),
        Column("processing_error", label=_("Lỗi")),
        Column("processing_attempts", label=_("Số lần xử lí")),
        DateColumn("processed_at", label=_("Lần cuối")),
        RetryColumn("retry", label=""),
    ]

    def get_base_queryset(self):
        """Failed files, and files a dead worker left running or waiting (repository.pipeline.stuck_files)."""
        files = files_for_user(self.request.user)
        stuck = stuck_files(files).values("pk")
        return files.filter(Q(processing_status=ProcessingStatus.FAILED) | Q(pk__in=stuck))

    def order_queryset(self, queryset):
        return queryset.order_by("-processed_at", "-pk")


def _file_for_retry(request, pk):
    """MaterialFile `pk` if `request.user` may retry it; Http404 otherwise."""
    material_file = get_object_or_404(MaterialFile, pk=pk)
    if not user_can_retry_processing(request.user, material_file):
        raise Http404
    return material_file


def _back(request):
    """Redirect to POST or query `next` when it is on this site, else to the failed-files listing."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("hoclieu_pipeline:failed_files")
    return redirect(next_url)


@require_POST
def retry_view(request, pk):
    """Re-enqueue what failed or stalled of MaterialFile `pk` (POST); redirect to `next`."""
    material_file = _file_for_retry(request, pk)
    if material_file.processing_status in RETRYABLE:
        retry_processing(material_file)
        messages.success(
            request, _("Đã đưa tệp “%(title)s” vào hàng đợi xử lí lại.") % {"title": material_file.title}
        )
    else:
        messages.warning(
            request,
            _("Tệp “%(title)s” đang ở trạng thái “%(status)s”, không cần xử lí lại.")
            % {"title": material_file.title, "status": material_file.get_processing_status_display()},
        )
    return _back(request)


@require_POST
def reprocess_view(request, pk, kind):
    """Do `kind` (a DerivativeKind value) of MaterialFile `pk` again, done or failed (POST); a run
    in progress is left alone. Redirect to `next` (POST or query string)."""
    material_file = _file_for_retry(request, pk)
    if kind not in DerivativeKind.values:
        raise Http404
    label = DerivativeKind(kind).label
    with transaction.atomic():
        queued = reprocess([material_file], kind=kind)
    if queued:
        messages.success(
            request, _("Đã đưa “%(kind)s” của tệp “%(title)s” vào hàng đợi xử lí lại.")
            % {"kind": label, "title": material_file.title},
        )
    else:
        messages.warning(
            request, _("“%(kind)s” của tệp “%(title)s” đang được xử lí; hãy chờ xong rồi thử lại.")
            % {"kind": label, "title": material_file.title},
        )
    return _back(request)


urlpatterns = [
    path("", FailedFilesView.as_view(), name="failed_files"),
    path("<int:pk>/retry/", retry_view, name="retry"),
    path("<int:pk>/reprocess/<slug:kind>/", reprocess_view, name="reprocess"),
]


@hooks.register("register_admin_urls")
def register_pipeline_admin_urls():
    return [
        path("hoclieu/tep-xu-li/", include((urlpatterns, "hoclieu_pipeline"), namespace="hoclieu_pipeline"))
    ]


class FailedFilesMenuItem(MenuItem):
    """Shown only while the user has failed files to look at."""

    def is_shown(self, request):
        return files_for_user(request.user).filter(processing_status=ProcessingStatus.FAILED).exists()


@hooks.register("register_admin_menu_item")
def register_failed_files_menu_item():
    return FailedFilesMenuItem(
        _("Tệp xử lí lỗi"), reverse("hoclieu_pipeline:failed_files"),
        name="failed-files", icon_name="warning", order=410,
    )


class ProcessingSummaryItem(SummaryItem):
    """Dashboard summary: how many of the files the user follows (files_for_user) failed, and how
    many wait for the worker. Shown to librarians, uploaders and superusers with any file."""

    order = 450
    template_name = "repository/admin/site_summary_processing.html"

    def get_context_data(self, parent_context):
        files = files_for_user(self.request.user)
        return {
            "failed": files.filter(processing_status=ProcessingStatus.FAILED).count(),
            "waiting": files.filter(
                processing_status__in=[ProcessingStatus.PENDING, ProcessingStatus.RUNNING]
            ).count(),
        }

    def is_shown(self):
        return files_for_user(self.request.user).exists()


@hooks.register("construct_homepage_summary_items")
def add_processing_summary(request, items):
    items.append(ProcessingSummaryItem(request))
