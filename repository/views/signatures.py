"""The verification page of a material's digital signature: /materials/<id>/signature/.

Same access rules as the material (repository.access: a refused reader gets the same 404 as for a
material that does not exist, or a login redirect). The signed copy is verified when the page is
asked for (repository.signatures.verify_material), so it says whether the stored file changed since.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..access import keep_out_of_shared_caches, material_is_public, refuse_material, user_can_view_material
from ..models import MaterialPage
from ..signatures import SIGNED_BY_PRINCIPAL, verify_material


@require_safe
def material_signature(request, page_id):
    """GET/HEAD: who signed MaterialPage `page_id`'s file, when, with which certificate, whether it is
    intact, covers the whole file and is trusted. 404 when the material has no signed copy or the
    reader may not see it."""
    page = get_object_or_404(MaterialPage.objects.select_related("file", "library"), pk=page_id)
    if not user_can_view_material(request.user, page):
        return refuse_material(request, page)
    verified = verify_material(page)
    if verified is None:
        raise Http404(_("Học liệu này chưa được ký số."))
    derivative, report = verified
    context = {
        "page": page, "report": report, "derivative": derivative,
        "signed_by_principal": derivative.metadata.get("signed_by") == SIGNED_BY_PRINCIPAL,
    }
    response = TemplateResponse(request, "repository/material_signature.html", context)
    return keep_out_of_shared_caches(response, material_is_public(page))
