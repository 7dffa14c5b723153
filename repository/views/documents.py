"""Originals at /documents/<id>/<name>: Wagtail's document URL, served by Hoclieu.

Wagtail's own serve view sends no Cache-Control and no Range support, and a `before_serve_document`
hook cannot hand it a streaming response (it only accepts HttpResponse). So this view takes the
same URL and name (`wagtaildocs_serve`, which `document.url` reverses) and does what Wagtail's does,
in the same order: filename check, every `before_serve_document` hook (Hoclieu's access check in
repository/wagtail_hooks/documents.py, Wagtail's collection privacy), the `document_served`
signal, then the bytes (the signed copy of a signed material, repository.signatures) through
repository.streaming with RFC 7233 ranges, and
`Cache-Control: private` unless the file belongs to a published public material.
"""

from django.http import Http404, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.documents.models import document_served

from ..access import file_is_public, keep_out_of_shared_caches
from ..signatures import signed_copy
from ..streaming import ranged_file_response


@require_safe
def serve_document(request, document_id, document_filename):
    """GET/HEAD an original; 404 for an unknown id or a file name that is not the document's."""
    document = get_object_or_404(get_document_model(), pk=document_id)
    if document.filename != document_filename:
        raise Http404(_("Không tìm thấy tệp."))
    for hook in hooks.get_hooks("before_serve_document"):
        result = hook(document, request)
        if isinstance(result, HttpResponseBase):
            return result
    # An approved lesson plan or slides signed on approval is served as its signed copy; the
    # unsigned original stays the stored file version (repository.signatures).
    source = signed_copy(document) or document.file
    try:
        response = ranged_file_response(request, source, content_type=document.content_type,
                                        filename=document.filename)
    except FileNotFoundError as exc:
        raise Http404(_("Không tìm thấy tệp.")) from exc
    if request.method == "GET":
        document_served.send(sender=type(document), instance=document, request=request)
    # As Wagtail does: no script runs inside a served document, and no type sniffing.
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return keep_out_of_shared_caches(response, file_is_public(document))
