"""Wagtail hooks: moving a material into another library (see repository.moves).

The move confirmation screen and the bulk move refuse, with the reason, a move that
repository.moves would refuse (a material whose file another material also uses), instead of
failing when it is confirmed. The copy view refuses to copy or alias a material into another library.
"""

from django.shortcuts import redirect
from django.urls import reverse
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction
from wagtail.models import Page

from ..moves import copy_problem, move_problem


@hooks.register("before_move_page")
def refuse_move_with_shared_file(request, page, destination):
    """Back to the destination chooser with an error when `page` may not move under `destination`."""
    problem = move_problem(page, destination)
    if problem:
        messages.error(request, problem)
        return redirect("wagtailadmin_pages:move", page.pk)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_move_with_shared_file(request, action_type, objects, action_class_instance):
    """A bulk move moves nothing, and says why, when one of the pages may not move to the destination."""
    if not isinstance(action_class_instance, MoveBulkAction):
        return None
    destination = action_class_instance.cleaned_form.cleaned_data["chooser"]
    problems = [problem for problem in (move_problem(page, destination) for page in objects) if problem]
    for problem in problems:
        messages.error(request, problem)
    if not problems:
        return None
    next_url = get_valid_next_url_from_request(request)
    return redirect(next_url or reverse("wagtailadmin_explore", args=(objects[0].get_parent().pk,)))


@hooks.register("before_copy_page")
def refuse_copy_into_another_library(request, page):
    """Back to the copy form with an error when the chosen parent is in another library."""
    if request.method != "POST":
        return None
    destination_id = request.POST.get("new_parent_page", "")
    destination = Page.objects.filter(pk=destination_id).first() if destination_id.isdigit() else None
    problem = copy_problem(page, destination)
    if problem:
        messages.error(request, problem)
        return redirect("wagtailadmin_pages:copy", page.pk)
    return None
