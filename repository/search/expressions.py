"""Search expressions: what Hoclieu asks its search index, independent of the engine's query syntax.

Hoclieu's queries are few and fixed (repository.search.query: a reader's access limit, facet
filters, the ranking of a reader's words; repository.search.suggest: co-occurrence counts). They are
written as trees of these three frozen (hashable) dataclasses and handed to haystack's
`SearchQuerySet.narrow()` and `raw_search()` as they are; the backend (repository.search.backend)
turns them into its engine's query objects, so no query string is built or parsed:

- `Term(field, value)`: documents whose index field `field` holds the term `value` (str): a prepared
  term of a ranked field (repository.search.fields.PreparedTermsField) or the whole value of a
  verbatim field (a facet field such as ``subject_exact``, ``access_level``, ``library_id``);
- `AnyOf(*children)`: documents matching at least one child (OR); as a ranking, the more children a
  document matches, and the rarer they are, the higher it scores;
- `AllOf(*children)`: documents matching every child (AND).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """Documents whose index field `field` (str) holds the term `value` (str, as indexed)."""

    field: str
    value: str

    def __post_init__(self):
        object.__setattr__(self, "value", str(self.value))


@dataclass(frozen=True, init=False)
class AnyOf:
    """Documents matching at least one of `children` (Term, AnyOf or AllOf), a tuple."""

    children: tuple

    def __init__(self, *children):
        object.__setattr__(self, "children", tuple(children))


@dataclass(frozen=True, init=False)
class AllOf:
    """Documents matching every one of `children` (Term, AnyOf or AllOf), a tuple."""

    children: tuple

    def __init__(self, *children):
        object.__setattr__(self, "children", tuple(children))


def any_value(field, values):
    """`AnyOf` the `Term(field, value)` of each of `values` (str or int), in sorted order, so the
    same set of values always makes the same (equal, equally hashed) expression."""
    return AnyOf(*(Term(field, value) for value in sorted(str(value) for value in values)))
