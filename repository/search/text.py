"""Vietnamese text for search: diacritic folding and result snippets (Whoosh's analysis and highlighting).

Readers type Vietnamese with or without marks (`sách nói`, `sach noi`, `SÁCH NÓI`), with keyboards that
send precomposed (NFC) or decomposed (NFD) characters, and old documents converted from TCVN3/VNI fonts
sometimes carry the Icelandic eth `Ð` where `Đ` was meant. Index and queries both go through
`fold_vietnamese`, so all of these meet on one plain form.
"""

import unicodedata

from django.utils.safestring import mark_safe
from whoosh.analysis import Filter, RegexTokenizer
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight

# Letters that carry a stroke, not a combining mark, so NFD does not decompose them (Unicode 15,
# chapter 7.1): Vietnamese đ/Đ (U+0111/U+0110) and the eth ð/Ð (U+00F0/U+00D0) that font
# conversions leave in place of it.
_STROKED_D = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})

# Characters of a snippet; a fragment shows about this much text around the first match.
SNIPPET_CHARS = 240
# Only the beginning of a long extracted text (characters) is scanned for a snippet.
SNIPPET_SCAN_CHARS = 50_000


def fold_vietnamese(text):
    """Fold `text` (str) for matching: lowercase, no diacritics, `đ`/`Đ` as `d`.

    Tone marks and vowel marks (à á ả ã ạ, â ă ê ô ơ ư) are removed by Unicode canonical decomposition
    (NFD, UAX #15) followed by dropping the combining marks (general category Mn); `đ`, `Đ` and the
    look-alike eth `ð`, `Ð` have no decomposition and are mapped to `d` explicitly. NFC and NFD input
    give the same result: ``fold_vietnamese("Đại số") == fold_vietnamese("Đại số") == "dai so"``.
    Returns a new str of at most the same length for NFC input; never raises for str input.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED_D))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


class NFCRegexTokenizer(RegexTokenizer):
    """Whoosh's RegexTokenizer on NFC-normalised text.

    Python's `\\w` does not match combining marks, so decomposed (NFD) input such as ``"sa\\u0301ch"``
    would split into ``sa`` and ``ch``; composing first keeps words whole. Character offsets of
    the tokens refer to the NFC form of the value.
    """

    def __call__(self, value, **kwargs):
        return super().__call__(unicodedata.normalize("NFC", value), **kwargs)


class VietnameseFoldFilter(Filter):
    """Whoosh filter that replaces each token's text by `fold_vietnamese(text)`."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_vietnamese(token.text)
            yield token


def vietnamese_analyzer():
    """The Whoosh analyzer that finds a query's words in a snippet's text: NFC tokenizer, then
    Vietnamese folding. No stemming and no stop words: Vietnamese words are single syllables, and
    English stop lists would drop real Vietnamese syllables (`to` "big", `an` "eat")."""
    return NFCRegexTokenizer() | VietnameseFoldFilter()


def query_terms(query):
    """The folded terms of a reader's query `query` (str), in order, as a list of str."""
    return [token.text for token in vietnamese_analyzer()(query)]


class _MarkFormatter(HtmlFormatter):
    """Whoosh's HtmlFormatter (which escapes the text) with a bare ``<mark>`` around matches."""

    template = "<%(tag)s>%(t)s</%(tag)s>"


def highlight_snippet(texts, query, max_chars=SNIPPET_CHARS):
    """An HTML snippet (SafeString) from the first of `texts` that contains a term of `query`.

    `texts` is an iterable of str (summary, extracted text, ...); matches are found on folded text,
    so `sach` highlights `sách`, and are wrapped in ``<mark>``; everything else is HTML-escaped.
    Only the first SNIPPET_SCAN_CHARS characters of a text are scanned. Returns "" when no text
    contains a term.
    """
    terms = frozenset(query_terms(query or ""))
    if not terms:
        return ""
    analyzer = vietnamese_analyzer()
    formatter = _MarkFormatter(tagname="mark")
    fragmenter = ContextFragmenter(maxchars=max_chars, surround=max_chars // 3)
    for text in texts:
        if not text:
            continue
        text = unicodedata.normalize("NFC", text[:SNIPPET_SCAN_CHARS])
        snippet = highlight(text, terms, analyzer, fragmenter, formatter, top=1)
        if snippet:
            return mark_safe(snippet)  # noqa: S308 - whoosh's HtmlFormatter escapes the text
    return ""


# At most this many pages of a document are scanned for a snippet.
SNIPPET_SCAN_PAGES = 200


def snippet_with_page(fields, page_texts, query, max_chars=SNIPPET_CHARS):
    """(snippet, page number) for a search result: the first of `fields` (str: summary, lesson)
    with a term of `query` gives (snippet, None); otherwise the first page of `page_texts` (list of
    str, page 1 first: PDF pages, slides, scanned pages) that has one gives (snippet, its 1-based
    number). Scans at most SNIPPET_SCAN_PAGES pages. ("", None) when nothing matches."""
    snippet = highlight_snippet(fields, query, max_chars)
    if snippet:
        return snippet, None
    for number, text in enumerate(page_texts[:SNIPPET_SCAN_PAGES], start=1):
        snippet = highlight_snippet([text], query, max_chars)
        if snippet:
            return snippet, number
    return "", None
