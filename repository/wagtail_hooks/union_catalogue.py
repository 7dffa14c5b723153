"""Wagtail hooks: the union catalogue with copy cataloguing ("Mục lục liên hợp") and the hub's quality
report of catalogue records ("Chất lượng biểu ghi") in the admin, for librarians and superusers
(repository.views.union_catalogue, repository.views.quality)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from ..views import quality as quality_views
from ..views import union_catalogue as union_views


@hooks.register("register_admin_urls")
def register_union_catalogue_admin_urls():
    union_index = union_views.UnionCatalogueIndexView
    report = quality_views.QualityReportView
    return [
        path("hoclieu/muc-luc-lien-hop/", union_index.as_view(),
             name="hoclieu_union_catalogue"),
        path("hoclieu/muc-luc-lien-hop/results/", union_index.as_view(results_only=True),
             name="hoclieu_union_catalogue_results"),
        path("hoclieu/muc-luc-lien-hop/<int:pk>/", union_views.union_record_view,
             name="hoclieu_union_catalogue_record"),
        path("hoclieu/chat-luong-bieu-ghi/", report.as_view(),
             name="hoclieu_catalogue_quality"),
        path("hoclieu/chat-luong-bieu-ghi/results/", report.as_view(results_only=True),
             name="hoclieu_catalogue_quality_results"),
        path("hoclieu/chat-luong-bieu-ghi/kiem-tra/", quality_views.check_quality_view,
             name="hoclieu_catalogue_quality_check"),
    ]


class UnionCatalogueMenuItem(MenuItem):
    def is_shown(self, request):
        return union_views.user_sees_union_catalogue(request.user)


class QualityReportMenuItem(MenuItem):
    def is_shown(self, request):
        return quality_views.user_sees_quality_report(request.user)


@hooks.register("register_admin_menu_item")
def register_union_catalogue_menu_item():
    return UnionCatalogueMenuItem(_("Mục lục liên hợp"), reverse("hoclieu_union_catalogue"),
                                  name="union-catalogue", icon_name="list-ul", order=261)


@hooks.register("register_admin_menu_item")
def register_quality_report_menu_item():
    return QualityReportMenuItem(_("Chất lượng biểu ghi"), reverse("hoclieu_catalogue_quality"),
                                 name="catalogue-quality", icon_name="warning", order=262)
