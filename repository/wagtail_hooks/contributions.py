"""Wagtail hooks: "Đóng góp học liệu" (Reports menu), each library's semester contributions against its
quota and the list to download as XLSX or PDF (repository.views.contributions)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from ..permissions import contribution_progress_libraries
from ..views.contributions import ContributionsView, contribution_list_download


@hooks.register("register_admin_urls")
def register_contribution_urls():
    return [
        path("hoclieu/dong-gop/", ContributionsView.as_view(), name="hoclieu_contributions"),
        path(
            "hoclieu/dong-gop/<int:library_id>/<str:school_year>/hk<int:semester>.<str:file_format>",
            contribution_list_download,
            name="hoclieu_contribution_list",
        ),
    ]


class ContributionsMenuItem(MenuItem):
    """Shown to those who follow some library's contributions (its principals and librarians, the
    hub's, superusers)."""

    def is_shown(self, request):
        return contribution_progress_libraries(request.user).exists()


@hooks.register("register_reports_menu_item")
def register_contributions_menu_item():
    return ContributionsMenuItem(
        _("Đóng góp học liệu"), reverse("hoclieu_contributions"), icon_name="list-ul", order=50
    )
