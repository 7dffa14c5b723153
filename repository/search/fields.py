"""Search index fields that carry Vietnamese terms prepared in Python (repository.search.vietnamese).

`PreparedTermsField` holds `index_terms(...)` of its source text: space-separated folded syllables,
exact forms and bigrams. The backend only splits it on spaces (repository.search.backend adds each
as a Xapian term; a Solr or Elasticsearch schema gives it a whitespace tokenizer),
so the ranking does not depend on one engine's analyzers. Its `boost` is the field's weight.
"""

from haystack import indexes

from .vietnamese import index_terms


def prepared_terms(*parts):
    """`index_terms` of each non-empty part (str), joined by newlines so that no bigram spans two
    parts (a title and a keyword, two keywords). Returns a str ("" when every part is empty)."""
    return "\n".join(index_terms(str(part)) for part in parts if part)


class PreparedTermsField(indexes.CharField):
    """A haystack CharField for the terms of `prepared_terms`, made by the index's
    ``prepare_<name>`` method. Indexed, not stored; `boost` is the field's weight in ranking."""

    prepared_terms = True

    def __init__(self, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("stored", False)
        super().__init__(**kwargs)
