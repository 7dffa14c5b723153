"""Admin view: confirm or remove a material's print twin (the buttons of PrintTwinPanel).

POST /admin/hoclieu/ban-in/<page_id>/?record=<record_id> links the record; without `record`, the
link is removed. Only a superuser or a librarian of the material's library may do it
(repository.permissions.user_may_link_print_twin); a material outside the user's libraries answers
404 as for one that does not exist, and so does a record that is not an active record of the
material's own library.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..catalogue.matching import link_print_twin
from ..models import MaterialPage
from ..permissions import admin_catalogue_records, user_may_know_page, user_may_link_print_twin


@require_POST
def print_twin_view(request, page_id):
    """Link (query `record`) or unlink the print twin of MaterialPage `page_id`; redirect to its edit view."""
    if not user_may_know_page(request.user, page_id):
        raise Http404
    material = get_object_or_404(MaterialPage, pk=page_id)
    if not user_may_link_print_twin(request.user, material):
        raise PermissionDenied
    record_id = request.GET.get("record") or request.POST.get("record") or ""
    if record_id:
        if not record_id.isdigit():
            raise Http404
        record = get_object_or_404(
            admin_catalogue_records(request.user).filter(library_id=material.library_id, deleted=False),
            pk=int(record_id),
        )
        link_print_twin(material, record)
        messages.success(request, _("Đã gắn bản in “%(title)s” cho học liệu.") % {"title": record.title})
    else:
        link_print_twin(material, None)
        messages.success(request, _("Đã bỏ liên kết bản in của học liệu."))
    return redirect(reverse("wagtailadmin_pages:edit", args=[material.pk]))
