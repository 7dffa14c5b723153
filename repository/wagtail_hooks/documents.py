"""Wagtail hooks: documents. Every download of an original by /documents/<id>/<name> is access-checked."""

from wagtail import hooks

from ..access import refuse_file, user_can_view_file


@hooks.register("before_serve_document")
def check_material_file_access(document, request):
    """Refuse a file the user may not see: 404 as for a missing file, or a login redirect for an
    anonymous reader when a published material uses it (repository.access.refuse_file).

    `document` is a MaterialFile (WAGTAILDOCS_DOCUMENT_MODEL); the rule is
    repository.access.user_can_view_file. Returning None lets Wagtail serve the file.
    """
    if not user_can_view_file(request.user, document):
        return refuse_file(request, document)
    return None
