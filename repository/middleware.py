"""Library isolation for every admin URL that names a page, a file or a report (repository.permissions).

Wagtail's admin views each check what the user may *do*; several of them still print the title of
a page or file the user may not touch (choosers' "chosen" answers, confirmation screens, reports).
This middleware (admin URLs only) answers 404, as for something that does not exist, before any
admin view runs, when the URL names a page or file outside `admin_pages(user)` / `admin_documents(user)`:

- URL arguments that are page ids: `page_id`, `parent_page_id`, `page_to_move_id`,
  `destination_id`, and `pk` in the page views (namespace `wagtailadmin_pages`);
- URL arguments that are file ids: `document_id`, `doc_id`, and `pk` in the document views and the
  document choosers (namespaces `wagtaildocs`, `wagtaildocs_chooser`, and the material form's
  `hoclieu_file_chooser`);
- `id` query parameters of the page and document choosers' "chosen" answers;
- Wagtail's reports (namespace `wagtailadmin_reports`: page types usage, locked pages, site history,
  aging pages, workflows), which read across the whole site: superusers only.

Superusers pass everywhere. Bulk actions are scoped in repository.views.admin_isolation.
"""

from django.http import Http404
from django.urls import reverse

from .permissions import admin_documents, admin_pages, sees_all_libraries

PAGE_ARGUMENTS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id")
DOCUMENT_ARGUMENTS = ("document_id", "doc_id")
PAGE_NAMESPACES = {"wagtailadmin_pages"}
DOCUMENT_NAMESPACES = {"wagtaildocs", "wagtaildocs_chooser", "hoclieu_file_chooser"}
PAGE_CHOSEN_URL_NAMES = {"wagtailadmin_choose_page_chosen_multiple"}
SUPERUSER_NAMESPACES = {"wagtailadmin_reports"}


def _ids(values):
    ids = set()
    for value in values:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


class AdminLibraryIsolationMiddleware:
    """Refuse (404) admin URLs that name pages or files of another library (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        user = getattr(request, "user", None)
        if match is None or user is None or not user.is_authenticated or sees_all_libraries(user):
            return None
        if not request.path.startswith(reverse("wagtailadmin_home")):
            return None  # the public site: repository.access decides there
        namespaces = set(match.namespaces)
        if namespaces & SUPERUSER_NAMESPACES:
            raise Http404
        page_ids = _ids(view_kwargs.get(name) for name in PAGE_ARGUMENTS)
        document_ids = _ids(view_kwargs.get(name) for name in DOCUMENT_ARGUMENTS)
        if namespaces & PAGE_NAMESPACES:
            page_ids |= _ids([view_kwargs.get("pk")])
        if namespaces & DOCUMENT_NAMESPACES:
            document_ids |= _ids([view_kwargs.get("pk")])
            if match.url_name in ("chosen_multiple", "chosen"):
                document_ids |= _ids(request.GET.getlist("id"))
        if match.url_name in PAGE_CHOSEN_URL_NAMES:
            page_ids |= _ids(request.GET.getlist("id"))
        if page_ids and admin_pages(user).filter(pk__in=page_ids).count() != len(page_ids):
            raise Http404
        if document_ids and admin_documents(user).filter(pk__in=document_ids).count() != len(document_ids):
            raise Http404
        return None
