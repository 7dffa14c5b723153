"""Template tags of the print catalogue: the print-twin panel's rows, and a record's holdings."""

from django import template
from django.urls import reverse

from ..catalogue.matching import suggest_print_twins
from ..permissions import user_may_link_print_twin

register = template.Library()


@register.simple_tag
def print_twin_panel(material, request):
    """For PrintTwinPanel: dict with `twin` (the CatalogueRecord or None), `locations` (its
    [(place, copies)]), `suggestions` (list of matching.Suggestion), `may_link` (bool) and
    `link_url` (the confirm/unlink URL; add ?record=<pk> to link)."""
    may_link = user_may_link_print_twin(request.user, material)
    twin = material.print_twin if material.print_twin_id else None
    return {
        "twin": twin,
        "locations": twin.locations() if twin else [],
        "suggestions": suggest_print_twins(material) if may_link else [],
        "may_link": may_link,
        "link_url": reverse("hoclieu_print_twin", args=[material.pk]),
    }


@register.simple_tag
def print_holdings(record):
    """For the public pages: dict with `call_number`, `copies` and `locations` ([(place, copies)])
    of CatalogueRecord `record` (print catalogues are public metadata, like an OPAC)."""
    return {"call_number": record.call_number, "copies": record.copies, "locations": record.locations()}
