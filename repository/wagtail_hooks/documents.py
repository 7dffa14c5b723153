"""Wagtail hooks: documents. Every download of an original by /documents/<id>/<name> is access-checked."""

from wagtail import hooks

from ..access import deny_response, user_can_view_file


@hooks.register("before_serve_document")
def check_material_file_access(document, request):
    """Refuse (login redirect or 403, repository.access.deny_response) a file the user may not see.

    `document` is a MaterialFile (WAGTAILDOCS_DOCUMENT_MODEL); the rule is
    repository.access.user_can_view_file. Returning None lets Wagtail serve the file.
    """
    if not user_can_view_file(request.user, document):
        return deny_response(request)
    return None
