"""Download one material's MARC 21 record: ISO 2709 (marc.mrc) or MARCXML (marc.xml).

Only published (live) materials have a record to download; a draft answers 404 as if it did not
exist. Access goes through repository.access: anonymous readers of a non-public material are sent
to log in, signed-in readers without rights get the same 404 (`refuse_material`).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from ..access import keep_out_of_shared_caches, material_is_public, refuse_material, user_can_view_material
from ..marc import MIME_ISO2709, MIME_MARCXML, as_iso2709, as_marcxml, build_record, control_number
from ..models import MaterialPage

# URL extension -> (serialiser, MIME type)
FORMATS = {
    "mrc": (as_iso2709, MIME_ISO2709),
    "xml": (as_marcxml, MIME_MARCXML),
}


@require_safe
def material_marc(request, page_id, fmt):
    """GET the record of live MaterialPage `page_id` as an attachment "HL00000042.mrc" or ".xml".

    404 for an unknown `fmt`, a missing or draft page; otherwise refuse_material when the user may not
    see the material (repository.access.user_can_view_material).
    """
    if fmt not in FORMATS:
        raise Http404
    page = get_object_or_404(
        MaterialPage.objects.live().select_related("file", "library__network"), pk=page_id
    )
    if not user_can_view_material(request.user, page):
        return refuse_material(request, page)
    serialise, content_type = FORMATS[fmt]
    data = serialise([build_record(page)])
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{control_number(page.pk)}.{fmt}"
    )
    return keep_out_of_shared_caches(response, material_is_public(page))
