"""Admin screen "Quy trình duyệt": each library chooses its review chain (Library.review_chain).

Shown to superusers (every library) and to the principals and librarians of a library (their own);
a POST for any other library answers 404, as for a library that does not exist.
"""

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..access import user_library_ids
from ..choices import ReviewChain, Role
from ..models import Library


def chain_libraries(user):
    """Libraries whose review chain `user` may set: all for a superuser, else those where the user
    is a principal or a librarian (a QuerySet, by name)."""
    if not user.is_authenticated:
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.all()
    return Library.objects.filter(pk__in=user_library_ids(user, [Role.PRINCIPAL, Role.LIBRARIAN]))


class ReviewChainForm(forms.Form):
    """`library` (pk of one of the user's libraries) and its `review_chain`."""

    library = forms.IntegerField(widget=forms.HiddenInput)
    review_chain = forms.ChoiceField(label=gettext_lazy("Quy trình duyệt"), choices=ReviewChain.choices)


class ReviewChainView(WagtailAdminTemplateMixin, TemplateView):
    """GET: the user's libraries, each with its chain; POST: set one library's chain."""

    template_name = "repository/admin/review_chain.html"
    page_title = gettext_lazy("Quy trình duyệt")
    header_icon = "tasks"

    def get_breadcrumbs_items(self):
        """Wagtail's breadcrumbs, ending in this screen's title (the header shows the last item)."""
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (library, ReviewChainForm(initial={"library": library.pk, "review_chain": library.review_chain},
                                      prefix=f"l{library.pk}"))
            for library in chain_libraries(self.request.user)
        ]
        return context

    def dispatch(self, request, *args, **kwargs):
        if not chain_libraries(request.user).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def post(self, request):
        library_pk = request.POST.get("library")
        library = chain_libraries(request.user).filter(pk=library_pk).first() if library_pk else None
        if library is None:
            raise Http404
        form = ReviewChainForm(request.POST, prefix=f"l{library.pk}")
        if not form.is_valid() or form.cleaned_data["library"] != library.pk:
            messages.error(request, _("Không lưu được quy trình duyệt: lựa chọn không hợp lệ."))
            return redirect(request.get_full_path())
        library.review_chain = form.cleaned_data["review_chain"]
        library.save(update_fields=["review_chain"])
        messages.success(request, _("Thư viện “%(library)s”: %(chain)s.")
                         % {"library": library.name, "chain": library.get_review_chain_display()})
        return redirect(request.get_full_path())
