"""Searching the material index as a given reader: access limits, facet filters, facet counts.

The access limit is repository.access.access_filter written as a Whoosh filter query over the
index's verbatim fields, so hits, their number and the facet counts only ever cover materials the
reader may see. Callers still pass the hits through repository.access.visible_materials (the index
can lag behind the database, e.g. right after a library leaves its network).
"""

from haystack.query import SearchQuerySet

from ..access import user_library_ids, user_network_ids
from ..choices import GRADE_CHOICES, AccessLevel, MaterialType, Subject
from ..models import MaterialPage
from ..search_indexes import FIELD_WEIGHTS
from .vietnamese import query_terms

# Facets of the search page: URL parameter -> (index field, allowed values, labels by value).
FACETS = {
    "type": ("material_type", MaterialType.choices),
    "subject": ("subject", Subject.choices),
    "grade": ("grade", [(str(value), label) for value, label in GRADE_CHOICES]),
}


def _terms(fieldname, values):
    """Whoosh syntax matching any of `values` verbatim in ID field `fieldname`.

    Values are quoted as single Whoosh terms ('...'); only codes and integers reach here.
    """
    quoted = " OR ".join(f"'{value}'" for value in sorted(str(v) for v in values))
    return f"{fieldname}:({quoted})"


def access_filter_query(user):
    """The Whoosh filter query (str) for the published materials `user` may see, or None for all.

    Mirrors repository.access.access_filter: access level public, OR a material of one of the
    user's libraries, OR access level group within one of the user's networks; superusers see all.
    """
    if user.is_authenticated and user.is_superuser:
        return None
    clauses = [_terms("access_level", [AccessLevel.PUBLIC.value])]
    library_ids = user_library_ids(user)
    if library_ids:
        clauses.append(_terms("library_id", library_ids))
        network_ids = user_network_ids(user)
        if network_ids:
            clauses.append(
                f"({_terms('access_level', [AccessLevel.GROUP.value])}"
                f" AND {_terms('network_id', network_ids)})"
            )
    return " OR ".join(f"({clause})" for clause in clauses)


def ranking_query(query):
    """The Whoosh query (str) that ranks materials for a reader's `query`, or "" when it has no
    syllable. Every term of repository.search.vietnamese.query_terms (folded syllables, folded
    bigrams, exact forms when typed with diacritics) in every ranked field (FIELD_WEIGHTS), joined
    by OR: no word is required; more of the query's words, side by side, in the exact form typed
    and in weightier fields, score higher (BM25F)."""
    terms = query_terms(query)
    return " OR ".join(f"{field}:{term}" for field in FIELD_WEIGHTS for term in terms)


def search_materials(user, query="", filters=None):
    """A haystack SearchQuerySet of the material documents `user` may see, with facets.

    `query` (str): the reader's words, ranked by `ranking_query`; a query without any syllable
    lists everything, latest first. `filters` maps FACETS keys ("type", "subject", "grade")
    to one allowed value each; raises ValueError for an unknown key or value.
    Facet counts (`.facet_counts()["fields"][<index field>]`, a list of (value, count)) follow the
    same limits.
    """
    sqs = SearchQuerySet().models(MaterialPage)
    access = access_filter_query(user)
    if access is not None:
        sqs = sqs.narrow(access)
    for key, value in (filters or {}).items():
        if key not in FACETS:
            raise ValueError(f"Unknown facet {key!r}")
        fieldname, choices = FACETS[key]
        if str(value) not in {str(code) for code, _label in choices}:
            raise ValueError(f"Unknown value {value!r} for facet {key!r}")
        sqs = sqs.narrow(_terms(f"{fieldname}_exact", [value]))
    ranking = ranking_query(query or "")
    sqs = sqs.raw_search(ranking) if ranking else sqs.order_by("-published_at")
    for fieldname, _choices in FACETS.values():
        sqs = sqs.facet(fieldname)
    return sqs
