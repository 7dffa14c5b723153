"""Template tags of the admin panels (repository.panels): the rows of a material's file versions and
of its file's processing. The panels are declared with the models; these tags are where they meet
the domain (repository.versions, repository.pipeline)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from ..models import DerivativeKind, DerivativeStatus
from ..pipeline import processing_steps, user_can_retry_processing
from ..review import review_history
from ..transcripts import can_have_transcript, user_can_correct_transcript
from ..versions import file_versions, user_can_see_versions

register = template.Library()


@register.simple_tag
def material_file_versions(page, request):
    """The versions of MaterialPage `page`'s file, newest first (repository.versions.file_versions),
    or [] when `request`'s user may not see them (repository.versions.user_can_see_versions).
    Usage: ``{% material_file_versions self.instance self.request as versions %}``."""
    user = getattr(request, "user", None)
    if user is None or not user_can_see_versions(user, page):
        return []
    return file_versions(page)


@register.simple_tag
def file_processing_steps(material_file, request):
    """The pipeline's work on `material_file` for the request's user: a list of dicts {"kind" (a
    DerivativeKind), "derivative" (a Derivative or None, not started), "reprocess_url" (POST URL of
    "Xử lí lại" for that kind, None when the user may not retry or the kind is running),
    "correct_url" (the transcript's row only: URL of "Hiệu đính" for those who may correct it, else
    None), "corrected" (True on the transcript's row when a correction is in use)}.
    `request` is the admin request (a panel's ``self.request``); its full path is where "Xử lí lại"
    comes back to. Usage: ``{% file_processing_steps self.instance.file self.request as steps %}``."""
    user = getattr(request, "user", None)
    if material_file is None:
        return []
    may_retry = user is not None and user_can_retry_processing(user, material_file)
    may_correct = (user is not None and can_have_transcript(material_file)
                   and user_can_correct_transcript(user, material_file))
    steps = []
    for kind, derivative in processing_steps(material_file):
        running = derivative is not None and derivative.status == DerivativeStatus.RUNNING
        url = None
        if may_retry and not running:
            url = reverse("hoclieu_pipeline:reprocess", args=[material_file.pk, kind.value])
            url += "?" + urlencode({"next": request.get_full_path()})
        correct_url, corrected = None, False
        if kind == DerivativeKind.TRANSCRIPT:
            corrected = material_file.transcript_correction is not None
            if may_correct:
                correct_url = reverse("hoclieu_transcript_correct", args=[material_file.pk])
                correct_url += "?" + urlencode({"next": request.get_full_path()})
        steps.append({"kind": kind, "derivative": derivative, "reprocess_url": url,
                      "correct_url": correct_url, "corrected": corrected})
    return steps


@register.simple_tag
def material_review_history(page):
    """Every submission and review step of MaterialPage `page`, newest first (a list of
    repository.review.ReviewEvent). Usage: ``{% material_review_history self.instance as events %}``."""
    if page is None or not getattr(page, "pk", None):
        return []
    return review_history(page)
