"""Admin views of depositing a material (issue 9, item 6; rules in repository.deposit).

- `DepositPanel`: the dashboard's "Thêm học liệu" button, one per library the user may deposit in
  (repository.permissions.deposit_targets), straight to the material's create form.
- `upload_view` (POST, `hoclieu_deposit_upload`, parent_page_id): stores a file chosen in the
  material's form as soon as it is chosen (the form's script, repository/admin/deposit.js) and
  answers JSON {"id", "title", "material_type", "processing"} or {"errors": [...]} (400). Refused
  (404) to whoever may not add a material under that page; repository.middleware answers 404 for
  another library's page before this view runs.
- `MaterialCreateView` and `MaterialEditView` (MaterialPageViewSet's create and edit views):
  Wagtail's, with no autosave on creation (an autosave there makes the page, and an abandoned form
  left a draft behind) and the status panel showing the material's access level
  (`MaterialStatusSidePanel`, and the header's "live" tag) instead of Wagtail's page privacy, which
  a material does not use.
- `SubmitForReviewMenuItem`: Wagtail's "submit to workflow" item labelled "Gửi duyệt" ("Gửi duyệt
  lại" after changes were asked for), put first in the action menu (the wide button) by
  repository.wagtail_hooks.deposit for those who may not publish.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from wagtail.admin.action_menu import SubmitForModerationMenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.side_panels import PageStatusSidePanel
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.views.pages.edit import EditView
from wagtail.models import WorkflowState

from ..choices import AccessLevel
from ..deposit import create_material_url, propose_from_upload, store_upload
from ..models import LibraryIndexPage
from ..permissions import deposit_targets

PRIVACY_TEMPLATE = "wagtailadmin/shared/side_panels/includes/status/privacy.html"
ACCESS_LEVEL_TEMPLATE = "repository/admin/status/access_level.html"


class DepositPanel(Component):
    """Dashboard panel: "Thêm học liệu" for each library index page the user may add a material
    under (context "targets": list of {"index", "url"}); nothing for anyone else."""

    name = "hoclieu_deposit"
    template_name = "repository/admin/dashboard/deposit.html"
    order = 10

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        context["targets"] = [{"index": index, "url": create_material_url(index)}
                              for index in deposit_targets(user)]
        return context


@require_POST
def upload_view(request, parent_page_id):
    """Store the file of the POST's "file" under the library of LibraryIndexPage `parent_page_id`."""
    parent = get_object_or_404(LibraryIndexPage, pk=parent_page_id)
    if not parent.permissions_for_user(request.user).can_add_subpage():
        raise Http404
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return JsonResponse({"errors": [_("Chưa chọn tệp.")]}, status=400)
    proposal = propose_from_upload(uploaded)
    try:
        material_file = store_upload(uploaded, parent.library, request.user)
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=400)
    return JsonResponse({
        "id": material_file.pk,
        "title": material_file.title,
        "material_type": proposal.material_type,
        "processing": material_file.get_processing_status_display(),
    })


# What each access level means for readers, in the words of repository.access.
ACCESS_HELP = {
    AccessLevel.PUBLIC: gettext_lazy("Khi đăng, mọi người đều xem được."),
    AccessLevel.SCHOOL: gettext_lazy("Khi đăng, chỉ thành viên của trường (thư viện) xem được."),
    AccessLevel.GROUP: gettext_lazy("Khi đăng, thành viên các thư viện trong liên thông xem được."),
}


def access_status(page):
    """What a material's access level means, for the admin's status displays: {"level" (an
    AccessLevel value), "label", "help", "icon" ("view" for public, else "no-view")}."""
    level = AccessLevel(page.access_level or AccessLevel.SCHOOL)
    return {"level": level.value, "label": level.label, "help": ACCESS_HELP[level],
            "icon": "view" if level == AccessLevel.PUBLIC else "no-view"}


class MaterialStatusSidePanel(PageStatusSidePanel):
    """Wagtail's status panel with the material's access level (repository.access) in place of the
    page privacy ("Mọi người đều xem được"), which Hoclieu's access rules do not read."""

    def get_status_templates(self, context):
        return [ACCESS_LEVEL_TEMPLATE if name == PRIVACY_TEMPLATE else name
                for name in super().get_status_templates(context)]

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["material_access"] = access_status(self.object)
        return context


def _material_side_panels(panels):
    """`panels` (a view's side panels) with Wagtail's page status panel made a MaterialStatusSidePanel."""
    for panel in panels:
        if type(panel) is PageStatusSidePanel:
            panel.__class__ = MaterialStatusSidePanel  # same state; only the templates differ
    return panels


class MaterialCreateView(CreateView):
    """Wagtail's create view of a material, without autosave and with the access-level status."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["autosave_enabled"] = False
        context.pop("autosave_indicator", None)
        return context

    def get_side_panels(self):
        return _material_side_panels(super().get_side_panels())


class MaterialEditView(EditView):
    """Wagtail's edit view of a material, with the access-level status; the header's "live" tag
    names the live version's access level too (`material_access`, read by Hoclieu's
    wagtailadmin/shared/headers/page_edit_header.html)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["material_access"] = access_status(self.get_page_for_status())
        return context

    def get_side_panels(self):
        return _material_side_panels(super().get_side_panels())


class SubmitForReviewMenuItem(SubmitForModerationMenuItem):
    """Wagtail's submit item, labelled "Gửi duyệt" (or "Gửi duyệt lại" after changes were asked)."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        page = context.get("page")
        state = page.current_workflow_state if page is not None and page.pk else None
        if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
            context["label"] = pgettext("nút", "Gửi duyệt lại")
        else:
            context["label"] = pgettext("nút", "Gửi duyệt")
        return context
