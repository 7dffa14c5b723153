"""“Có phải bạn muốn tìm …”: a better query from the index's own vocabulary, when a query finds little.

For each syllable of the reader's query the candidates are the exact forms (with diacritics) that the
index holds for its folded form, most documents first: "sach" → "sách", "sạch"; a folded syllable the
index does not hold at all is first corrected to the nearest one it does (one edit away: "sahc" →
"sach"). The suggestion is the sequence of candidates that appears together in the most documents
the reader may see, pair by neighbouring pair (with the pair's bigram, so the words stand side by
side): "sach noi" → "sách nói" rather than "sách nội". A suggestion is offered only when every one of
its words is in one document the reader may see, so it never tells a reader a word of a material
they may not open.

The vocabulary comes from the backend (`field_vocabulary`, implemented by
repository.search.backend), read again at most every HOCLIEU_SEARCH_VOCABULARY_MAX_AGE
seconds; the counts come from ordinary searches limited to what the
reader may see (repository.search.query.access_filter_query).
"""

import math
import time

from django.conf import settings
from haystack import connections
from haystack.query import SearchQuerySet

from ..models import MaterialPage
from .expressions import AllOf, AnyOf, Term
from .query import access_filter_query
from .vietnamese import exact_syllable, fold_syllable, has_diacritics, syllables

# Fewer results than this and the page offers a suggestion.
SUGGEST_BELOW = 3
# Candidates kept per syllable.
CANDIDATES = 3
# The field whose vocabulary is read (every word of a material's text is in it or in the title).
VOCABULARY_FIELDS = ("title_terms", "body_terms")
# Seconds a vocabulary read from the index is used although the index has changed since.
VOCABULARY_MAX_AGE = 300

_cache = {}


def vocabulary():
    """{folded syllable: [(exact form or folded form, document frequency), ...] most frequent first}
    of the index.

    Read from the index again when the index has changed (the backend's `vocabulary_version`) and
    the copy in hand is older than settings.HOCLIEU_SEARCH_VOCABULARY_MAX_AGE seconds (default
    VOCABULARY_MAX_AGE): reading it takes seconds at 100k materials, and every publication
    changes the index, so a busy site reads it at most once in that time. A word published since
    may be missing from suggestions until then; search results are not affected."""
    backend = connections["default"].get_backend()
    version = backend.vocabulary_version()
    max_age = getattr(settings, "HOCLIEU_SEARCH_VOCABULARY_MAX_AGE", VOCABULARY_MAX_AGE)
    fresh = time.monotonic() - _cache.get("read_at", -math.inf) < max_age
    if "forms" not in _cache or (_cache.get("version") != version and not fresh):
        forms = {}
        for fieldname in VOCABULARY_FIELDS:
            for term, frequency in backend.field_vocabulary(fieldname, skip="_"):  # not bigrams
                folded = fold_syllable(term)
                counts = forms.setdefault(folded, {})
                counts[term] = counts.get(term, 0) + frequency
        _cache.update(version=version, read_at=time.monotonic(), forms={
            folded: sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            for folded, counts in forms.items()
        })
    return _cache["forms"]


def _edits1(word):
    """Strings one deletion, transposition, replacement or insertion (a-z) away from `word`."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


def candidates(word, forms):
    """Up to CANDIDATES exact forms for the reader's `word` (str) from `forms` (see `vocabulary`):
    its own exact form first when typed with diacritics, else the index's forms of its folded form,
    else those of the nearest folded syllable one edit away (most documents first)."""
    folded = fold_syllable(word)
    typed = exact_syllable(word)
    if folded in forms:
        found = [form for form, _count in forms[folded]]
    else:
        near = [(sum(c for _f, c in forms[e]), e) for e in _edits1(folded) if e in forms]
        if not near:
            return [typed or word.lower()]
        found = [form for form, _count in forms[max(near)[1]]]
    exact = [form for form in found if form != fold_syllable(form)] or found
    if typed and typed in exact:
        return [typed]
    return exact[:CANDIDATES]


def _count(user, words):
    """Documents `user` may see that hold every one of `words` (exact or folded terms), and their
    folded bigram when two words are given."""
    terms = list(words)
    if len(words) == 2:
        terms.append(f"{fold_syllable(words[0])}_{fold_syllable(words[1])}")
    sqs = SearchQuerySet().models(MaterialPage)
    access = access_filter_query(user)
    if access is not None:
        sqs = sqs.narrow(access)
    every = AllOf(*(AnyOf(Term("title_terms", term), Term("body_terms", term)) for term in terms))
    return sqs.raw_search(every).count()


def suggest(user, query):
    """A suggested query (str) for `user`'s `query`, or "" when the index offers nothing better.

    Chooses, among the candidates of each syllable (`candidates`), the sequence whose neighbouring
    pairs appear side by side in the most documents `user` may see (dynamic programming over
    log(1 + count)); offered only if all its words are in one document `user` may see and it
    differs from the query.
    """
    words = syllables(query)[:8]
    if not words:
        return ""
    forms = vocabulary()
    options = [candidates(word, forms) for word in words]
    # best[i][c]: (score, path) of the best sequence ending with candidate c of word i.
    best = [{c: (0.0, [c]) for c in options[0]}]
    for i in range(1, len(options)):
        layer = {}
        for c in options[i]:
            layer[c] = max(
                ((score + math.log1p(_count(user, [p, c])), path + [c])
                 for p, (score, path) in best[-1].items()),
                key=lambda item: item[0],
            )
        best.append(layer)
    _score, path = max(best[-1].values(), key=lambda item: item[0])
    suggestion = " ".join(path)
    if suggestion == " ".join(w.lower() for w in words):
        return ""
    if not has_diacritics(suggestion) and not any(
        fold_syllable(w) != fold_syllable(p) for w, p in zip(words, path, strict=True)
    ):
        return ""
    return suggestion if _count(user, path) > 0 else ""
