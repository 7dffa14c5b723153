"""Admin view that corrects a file's transcript (the rules: repository.transcripts).

`TranscriptCorrectionView` (GET/POST): the WebVTT captions now in use for MaterialFile `pk` in a text
box; a valid WebVTT posted is stored as the corrected transcript and replaces the machine one for the
captions track and search. 404, as for a file that does not exist, unless
repository.transcripts.user_can_correct_transcript, or for a file that has no speech (not audio or video).
"""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import MaterialFile
from ..transcripts import (
    TranscriptInvalid,
    can_have_transcript,
    current_captions_text,
    save_correction,
    user_can_correct_transcript,
    validate_webvtt,
)


class TranscriptCorrectionForm(forms.Form):
    """One field, `captions`: the whole WebVTT file as text, checked by repository.transcripts."""

    captions = forms.CharField(
        label=gettext_lazy("Phụ đề WebVTT"), strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true", "lang": "vi"}),
        help_text=gettext_lazy(
            "Sửa chữ trong từng đoạn; giữ dòng thời gian “00:00:01.000 --> 00:00:04.000”. "
            "Bản đã hiệu đính thay bản máy chép lời và không bị xử lí lại ghi đè."
        ),
    )

    def clean_captions(self):
        text = self.cleaned_data["captions"]
        try:
            validate_webvtt(text)
        except TranscriptInvalid as error:
            raise forms.ValidationError(str(error)) from error
        return text


class TranscriptCorrectionView(WagtailAdminTemplateMixin, FormView):
    """GET: the captions in a text box; POST: save a correction, then back to `next` (or here)."""

    template_name = "repository/admin/transcript_correction.html"
    form_class = TranscriptCorrectionForm
    page_title = gettext_lazy("Hiệu đính bản chép lời")
    header_icon = "doc-full"

    def dispatch(self, request, pk):
        self.material_file = get_object_or_404(MaterialFile, pk=pk)
        if not user_can_correct_transcript(request.user, self.material_file):
            raise Http404
        if not can_have_transcript(self.material_file):
            raise Http404
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.material_file.title

    def get_initial(self):
        return {"captions": current_captions_text(self.material_file)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["material_file"] = self.material_file
        context["correction"] = self.material_file.transcript_correction
        context["next_url"] = self._next_url()
        return context

    def _next_url(self):
        url = self.request.POST.get("next") or self.request.GET.get("next")
        if url and url_has_allowed_host_and_scheme(url, {self.request.get_host()},
                                                   require_https=self.request.is_secure()):
            return url
        return None

    def form_valid(self, form):
        save_correction(self.material_file, form.cleaned_data["captions"], self.request.user)
        messages.success(self.request, _("Đã lưu bản chép lời đã hiệu đính của tệp “%(title)s”.")
                         % {"title": self.material_file.title})
        return redirect(self._next_url() or self.request.get_full_path())
