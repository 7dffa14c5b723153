"""Public views that send a material's media: the audiobook stream, the video lesson's rendition and
poster, the captions, the thumbnail and the document previews (the PDF of a DOCX/PPTX, page images).

All go through repository.access (drafts only for the library's staff; a refused reader gets the
same 404 as for a material that does not exist, or a login redirect: `refuse_material`) and answer
with RFC 7233 range support (repository.streaming). Originals are
served by Wagtail's document view (/documents/<id>/<filename>), guarded by the
`before_serve_document` hook in repository.wagtail_hooks.documents.
"""

import zipfile

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from media_pipeline import preview

from ..access import keep_out_of_shared_caches, material_is_public, refuse_material, user_can_view_material
from ..models import MaterialPage
from ..signatures import signed_preview
from ..streaming import guess_content_type, ranged_file_response


def stream_source(material_file):
    """The FieldFile to stream for `material_file` (a MaterialFile), or None when it has no audio.

    The AAC rendition made by the media pipeline (`stream_rendition`) when there is one, otherwise
    the original when it is audio (as probed by the pipeline, or by its file name until then).
    """
    if material_file.stream_rendition:
        return material_file.stream_rendition
    if material_file.file and (
        material_file.is_audio or guess_content_type(material_file.file.name).startswith("audio/")
    ):
        return material_file.file
    return None


def _visible_material(request, page_id):
    """(page, None) when the user may see MaterialPage `page_id`, else (None, refusal response)."""
    page = get_object_or_404(MaterialPage.objects.select_related("file", "library"), pk=page_id)
    if not user_can_view_material(request.user, page):
        return None, refuse_material(request, page)
    return page, None


def _send(request, page, fieldfile, content_type=None):
    """`fieldfile` with RFC 7233 ranges (repository.streaming), as `content_type` (default: guessed
    from the name), cached by shared caches only when `page` is public; 404 when the bytes are gone."""
    try:
        response = ranged_file_response(request, fieldfile, content_type=content_type)
    except FileNotFoundError as exc:
        raise Http404(_("Không tìm thấy tệp.")) from exc
    return keep_out_of_shared_caches(response, material_is_public(page))


@require_safe
def material_stream(request, page_id):
    """GET/HEAD materials/<page_id>/stream/: the audio of MaterialPage `page_id`, with Range support.

    404 when the page does not exist, has no audio or the user may not see it (login redirect for an
    anonymous reader of a published material).
    """
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    source = stream_source(page.file) if page.file else None
    if source is None:
        raise Http404(_("Học liệu này không có âm thanh."))
    return _send(request, page, source)


@require_safe
def material_thumbnail(request, page_id):
    """GET/HEAD materials/<page_id>/thumbnail.png: the thumbnail the media pipeline made; 404 if none."""
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    if not page.file or not page.file.thumbnail:
        raise Http404(_("Học liệu này chưa có ảnh bìa."))
    return _send(request, page, page.file.thumbnail)


@require_safe
def material_video(request, page_id):
    """GET/HEAD materials/<page_id>/video/: the H.264/AAC MP4 rendition of MaterialPage `page_id`'s
    video (video/mp4), with Range support (RFC 7233) for seeking. 404 when there is none yet or the
    user may not see the material (login redirect for an anonymous reader of a published one). The
    original is never streamed here: it may be a format browsers do not play (MKV, HEVC in MOV)."""
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    if not page.file or not page.file.video_rendition:
        raise Http404(_("Học liệu này chưa có video phát trực tuyến."))
    return _send(request, page, page.file.video_rendition, content_type="video/mp4")


@require_safe
def material_poster(request, page_id):
    """GET/HEAD materials/<page_id>/poster.jpg: the poster frame of MaterialPage `page_id`'s video
    (image/jpeg); 404 when there is none or the user may not see the material."""
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    if not page.file or not page.file.poster:
        raise Http404(_("Học liệu này chưa có ảnh đại diện video."))
    return _send(request, page, page.file.poster, content_type="image/jpeg")


@require_safe
def material_captions(request, page_id):
    """GET/HEAD materials/<page_id>/captions.vtt: the transcript's WebVTT captions of MaterialPage
    `page_id` (text/vtt; charset=utf-8), for the player's captions track. 404 when there is none or
    the user may not see the material (login redirect for an anonymous reader of a published one)."""
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    if not page.file or not page.file.transcript_vtt:
        raise Http404(_("Học liệu này chưa có phụ đề."))
    return _send(request, page, page.file.transcript_vtt, content_type="text/vtt; charset=utf-8")


@require_safe
def material_preview_pdf(request, page_id):
    """GET/HEAD materials/<page_id>/preview.pdf: the PDF LibreOffice made of MaterialPage `page_id`'s
    DOCX or PPTX (application/pdf, inline, with Range support for PDF readers), its signed copy once
    an approval has signed it (repository.signatures.signed_preview). 404 when there is none or the
    user may not see the material (login redirect for an anonymous reader of a published one)."""
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    if not page.file or not page.file.preview_pdf:
        raise Http404(_("Học liệu này chưa có bản xem trước PDF."))
    source = signed_preview(page.file) or page.file.preview_pdf
    return _send(request, page, source, content_type="application/pdf")


@require_safe
def material_page_preview(request, page_id, number):
    """GET/HEAD materials/<page_id>/preview/<number>.webp: the image (image/webp) of page `number`
    (1-based) of MaterialPage `page_id`'s document, one of its first pages drawn by the media
    pipeline, with a strong ETag (If-None-Match answers 304). 404 when there is no such image or the
    user may not see the material (login redirect for an anonymous reader of a published one)."""
    page, refusal = _visible_material(request, page_id)
    if refusal:
        return refusal
    archive = page.file.page_previews if page.file else None
    if archive is None:
        raise Http404(_("Học liệu này chưa có ảnh xem trước."))
    derivative = page.file.current_derivative("page_previews")
    etag = f'"{derivative.input_sha256[:16]}-{derivative.params_version}-{derivative.pk}-{number}"'
    conditional = get_conditional_response(request, etag=etag)
    if conditional is None:
        try:
            with archive.open("rb") as fileobj:
                data = preview.read_page_image(fileobj, number)
        except (FileNotFoundError, zipfile.BadZipFile) as exc:
            raise Http404(_("Không tìm thấy tệp.")) from exc
        if data is None:
            raise Http404(_("Không có ảnh xem trước của trang này."))
        conditional = HttpResponse(data, content_type=preview.IMAGE_CONTENT_TYPE)
    conditional["ETag"] = etag
    return keep_out_of_shared_caches(conditional, material_is_public(page))
