"""The public search page (/search/, URL name "search")."""

from urllib.parse import urlencode

from django.shortcuts import render

from ..access import visible_catalogue_records, visible_materials
from ..models import prefetch_current_derivatives
from ..search.forms import SearchForm
from ..search.query import FACETS, results_page, search_materials
from ..search.suggest import SUGGEST_BELOW, suggest
from ..search.text import highlight_snippet, snippet_with_page
from ..search.vietnamese import has_diacritics

RESULTS_PER_PAGE = 20
# The derivatives a result's snippet may read its text from (MaterialFile._derivative_text).
SNIPPET_DERIVATIVE_KINDS = ("ocr", "text", "transcript")


def search(request):
    """Search published materials as `request.user` sees them.

    GET parameters: `q` (words; empty lists the latest materials), `type`, `subject`, `grade`,
    `series`, `year`, `library` (facet filters, one value each), `sort` ("new": newest first),
    `page` (1-based). A parameter that is not valid is ignored
    and reported on the page. Every hit is checked again against visible_materials(user); print
    catalogue hits are shown with their call number and holdings unless deleted since indexing or
    hidden from `request.user` (visible_catalogue_records).
    """
    form = SearchForm(request.GET)
    form.is_valid()
    query, filters, sort = form.search_arguments()
    sqs = search_materials(request.user, query, filters, sort)

    page_obj = results_page(sqs, request.GET.get("page"), RESULTS_PER_PAGE)
    hits = [(hit.model_name, int(hit.pk)) for hit in page_obj.object_list]
    hit_pks = [pk for model_name, pk in hits if model_name == "materialpage"]
    pages = visible_materials(request.user).filter(pk__in=hit_pks).select_related("library", "file")
    by_pk = {page.pk: page for page in pages}
    prefetch_current_derivatives([page.file for page in by_pk.values()], SNIPPET_DERIVATIVE_KINDS)
    print_pks = [pk for model_name, pk in hits if model_name == "cataloguerecord"]
    print_records = _print_records(request.user, print_pks)
    results = []
    for model_name, pk in hits:
        if model_name == "cataloguerecord":
            record = print_records.get(pk)
            if record is not None:  # deleted since it was indexed: never shown
                results.append({"print": record, "holdings": _holdings(record),
                                "snippet": highlight_snippet([record.authors, record.publisher], query)})
            continue
        page = by_pk.get(pk)
        if page is None:  # the index is behind the database: never show what the policy hides
            continue
        page_texts = page.file.page_texts if page.file else []
        if page_texts:
            snippet, page_number = snippet_with_page([page.summary, page.lesson], page_texts, query)
        else:
            page_number = None
            snippet = highlight_snippet(
                [page.summary, page.lesson, page.file.full_text if page.file else ""], query
            )
        results.append({"page": page, "snippet": snippet, "page_number": page_number})

    params = {"q": query, **filters} if query else dict(filters)
    if query and sort:
        params["sort"] = sort
    total = page_obj.paginator.count
    # Offered when the query finds little, or was typed without diacritics (to restore them).
    wants_suggestion = query and (total < SUGGEST_BELOW or not has_diacritics(query))
    suggestion = suggest(request.user, query) if wants_suggestion else ""
    context = {
        "suggestion": suggestion,
        "suggestion_url": _url({**filters, "q": suggestion}) if suggestion else None,
        "sort": sort,
        "sort_options": [
            {"label": label, "selected": sort == value, "url": _url(params, sort=value or None, page=None)}
            for value, label in form.fields["sort"].choices
        ] if query else [],
        "form": form,
        "query": query,
        "filters": filters,
        "results": results,
        "page_obj": page_obj,
        "total": total,
        "facets": _facets(params, sqs.facet_counts(), filters),
        "previous_url": _url(params, page=page_obj.previous_page_number())
        if page_obj.has_previous() else None,
        "next_url": _url(params, page=page_obj.next_page_number()) if page_obj.has_next() else None,
        "invalid_parameters": [str(form.fields[name].label) for name in form.errors if name in form.fields],
    }
    return render(request, "repository/search.html", context)


def _print_records(user, pks):
    """{pk: CatalogueRecord} of the records `pks` that `user` may find (not deleted; public metadata
    like an OPAC, or a network's harvested records for its members: visible_catalogue_records), with
    their library and holdings."""
    records = visible_catalogue_records(user).filter(pk__in=pks).select_related("library")
    return {record.pk: record for record in records.prefetch_related("holdings")}


def _holdings(record):
    """Call number (str), copies (int) and [(location, copies)] of `record`, from its prefetched holdings."""
    holdings = sorted(record.holdings.all(), key=lambda holding: holding.position)
    locations = {}
    for holding in holdings:
        place = holding.shelving_location or holding.holding_branch or holding.home_branch
        locations[place] = locations.get(place, 0) + 1
    call_number = next((holding.call_number for holding in holdings if holding.call_number), "")
    return {"call_number": call_number, "copies": len(holdings), "locations": list(locations.items())}


def _url(params, **changes):
    """A query string ("?q=...&type=...") from `params` with `changes`; a None value drops a key."""
    merged = {**params, **changes}
    return "?" + urlencode({key: value for key, value in merged.items() if value not in (None, "")})


def _facets(params, counts, filters):
    """Facet groups for the template: [{key, label, options: [{value, label, count, selected, url}]}].

    `params` are the valid parameters of this page; an option's url adds its filter (or removes
    it when selected), keeps the others and goes back to page 1.
    """
    fields = (counts or {}).get("fields", {})
    groups = []
    for key, facet in FACETS.items():
        choices = facet.get_choices([value for value, _count in fields.get(facet.field, [])])
        labels = {str(code): label for code, label in choices}
        order = {str(code): position for position, (code, _label) in enumerate(choices)}
        options = []
        for value, count in fields.get(facet.field, []):
            if value is None or value not in labels:
                continue
            selected = filters.get(key) == value
            options.append({
                "value": value, "label": labels[value], "count": count, "selected": selected,
                "url": _url(params, **{key: None if selected else value}),
            })
        options.sort(key=lambda option: order[option["value"]])
        groups.append({"key": key, "label": SearchForm.base_fields[key].label, "options": options})
    return groups
