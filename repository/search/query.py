"""Searching the material index as a given reader: access limits, facet filters, facet counts.

The access limit is repository.access.access_filter written as a filter over the index's verbatim
fields (repository.search.expressions), so hits, their number and the facet counts only ever cover
materials the reader may see. Callers still pass the hits through
repository.access.visible_materials (the index can lag behind the database, e.g. right after a
library leaves its network).
"""

import re
from dataclasses import dataclass

from django.core.paginator import Paginator
from haystack.query import SearchQuerySet

from ..access import user_library_ids, user_network_ids
from ..choices import GRADE_CHOICES, AccessLevel, MaterialType, Subject, TextbookSeries
from ..models import CatalogueRecord, Library, MaterialPage
from ..search_indexes import FIELD_WEIGHTS
from .expressions import AllOf, AnyOf, Term, any_value
from .vietnamese import query_terms

# A school year as MaterialPage.school_year holds it ("2025-2026"; school_year_validator).
SCHOOL_YEAR_PATTERN = r"\d{4}-\d{4}"


def _libraries():
    """(id as str, name) of every library, by name. Library names are public (the site lists them)."""
    return [(str(pk), name) for pk, name in Library.objects.order_by("name").values_list("pk", "name")]


@dataclass(frozen=True)
class Facet:
    """A facet of the search page: its haystack field (`field`, counted; the counts are keyed by
    it), the verbatim index field it is filtered on (`filter_field`), and its choices, a list of
    (value, label) or a callable returning one (values read from the database), or None for a
    facet of free values (the school year): any value matching the regular expression `pattern`
    is allowed and labelled by itself, newest (greatest) first."""

    field: str
    filter_field: str
    choices: object
    pattern: str = ""

    def get_choices(self, counted=()):
        """[(value, label)]: the fixed choices, or for a facet of free values the values of
        `counted` (e.g. the values a search counted) that match `pattern`, greatest first."""
        if self.choices is None:
            values = {str(value) for value in counted if value is not None and self.allows(value)}
            return [(value, value) for value in sorted(values, reverse=True)]
        return list(self.choices() if callable(self.choices) else self.choices)

    def allows(self, value):
        """True when `value` (str or int) is one this facet may be filtered on."""
        if self.choices is None:
            return re.fullmatch(self.pattern, str(value)) is not None
        return str(value) in {str(code) for code, _label in self.get_choices()}


# Facets of the search page, by URL parameter. Filters use verbatim fields: haystack's
# `<field>_exact` for faceted CharFields, the FacetCharField `library_id` itself.
FACETS = {
    "type": Facet("material_type", "material_type_exact", MaterialType.choices),
    "subject": Facet("subject", "subject_exact", Subject.choices),
    "grade": Facet("grade", "grade_exact", [(str(value), label) for value, label in GRADE_CHOICES]),
    "series": Facet("textbook_series", "textbook_series_exact", TextbookSeries.choices),
    "year": Facet("school_year", "school_year_exact", None, pattern=SCHOOL_YEAR_PATTERN),
    "library": Facet("library_id", "library_id", _libraries),
}

# Orders of the results, by URL parameter `sort`: relevance (the default with words) or newest.
SORT_RELEVANCE, SORT_NEWEST = "", "new"


def access_filter_query(user):
    """The filter (a repository.search.expressions tree) of the published materials `user` may
    see, or None for all.

    Mirrors repository.access.access_filter: access level public, OR a material of one of the
    user's libraries, OR access level group within one of the user's networks; superusers see all.
    """
    if user.is_authenticated and user.is_superuser:
        return None
    clauses = [any_value("access_level", [AccessLevel.PUBLIC.value])]
    library_ids = user_library_ids(user)
    if library_ids:
        clauses.append(any_value("library_id", library_ids))
        network_ids = user_network_ids(user)
        if network_ids:
            clauses.append(AllOf(any_value("access_level", [AccessLevel.GROUP.value]),
                                 any_value("network_id", network_ids)))
    return AnyOf(*clauses)


def ranking_query(query):
    """The expression (repository.search.expressions.AnyOf) that ranks materials for a reader's
    `query`, or None when it has no syllable. Every term of
    repository.search.vietnamese.query_terms (folded syllables, folded bigrams, exact forms when
    typed with diacritics) in every ranked field (FIELD_WEIGHTS), any of them: no word is
    required; more of the query's words, side by side, in the exact form typed and in weightier
    fields, score higher (BM25, each field's terms weighted by its FIELD_WEIGHTS)."""
    terms = query_terms(query)
    if not terms:
        return None
    return AnyOf(*(Term(field, term) for field in FIELD_WEIGHTS for term in terms))


def search_materials(user, query="", filters=None, sort=SORT_RELEVANCE):
    """A haystack SearchQuerySet of the material documents and print catalogue records `user` may
    see (the same access filter: a record's access level, library and network; deleted records are
    not in the index), with facets.

    `query` (str): the reader's words, ranked by `ranking_query`; a query without any syllable
    lists everything, latest first. `filters` maps FACETS keys ("type", "subject", "grade")
    to one allowed value each; raises ValueError for an unknown key or value. Print records have
    only a library, so a filter on any other facet leaves them out; hits tell the two apart by
    `model_name` ("materialpage", "cataloguerecord").
    Facet counts (`.facet_counts()["fields"][<index field>]`, a list of (value, count)) follow the
    same limits.
    """
    sqs = SearchQuerySet().models(MaterialPage, CatalogueRecord)
    access = access_filter_query(user)
    if access is not None:
        sqs = sqs.narrow(access)
    for key, value in (filters or {}).items():
        if key not in FACETS:
            raise ValueError(f"Unknown facet {key!r}")
        facet = FACETS[key]
        if not facet.allows(value):
            raise ValueError(f"Unknown value {value!r} for facet {key!r}")
        sqs = sqs.narrow(any_value(facet.filter_field, [value]))
    ranking = ranking_query(query or "")
    if ranking is not None:
        sqs = sqs.raw_search(ranking)
    if ranking is None or sort == SORT_NEWEST:
        sqs = sqs.order_by("-published_at")
    for facet in FACETS.values():
        sqs = sqs.facet(facet.field)
    return sqs


def results_page(sqs, number, per_page):
    """Page `number` (1-based; str or int as in a URL, invalid ones as Django's Paginator.get_page
    treats them) of the SearchQuerySet `sqs`, `per_page` hits a page: a django.core.paginator.Page.

    The page's hits, the hit count and the facet counts come from one search of the index: the
    page's slice is read first, so the Paginator's count (which haystack would otherwise get from a
    search of its own) and `sqs.facet_counts()` are answered from it. Only a page number past the
    end costs a second search (for the last page)."""
    try:
        wanted = max(1, int(number))
    except (TypeError, ValueError):
        wanted = 1
    sqs[(wanted - 1) * per_page:wanted * per_page]
    return Paginator(sqs, per_page).get_page(number)
