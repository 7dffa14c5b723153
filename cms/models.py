"""The site's home page."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The root of the site: lists the libraries and offers search."""

    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["repository.LibraryIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("trang chủ")

    def get_context(self, request, *args, **kwargs):
        from repository.access import visible_materials
        from repository.models import LibraryIndexPage

        context = super().get_context(request, *args, **kwargs)
        context["libraries"] = LibraryIndexPage.objects.live().child_of(self).select_related("library")
        context["latest_materials"] = visible_materials(request.user).order_by("-first_published_at")[:12]
        return context
