"""Vietnamese analysis for search: syllables, folding, spelling variants, index and query terms.

Everything a search engine needs to rank Vietnamese well is computed here, in Python, when a
document is prepared and when a query is read; the engine only splits the prepared strings on
spaces. Any backend that can split on whitespace (Hoclieu's Xapian backend, Solr's or
Elasticsearch's whitespace tokenizer) therefore ranks the same way.

A syllable gives up to two terms:
- its *folded* form (`fold_syllable`): lowercase, no tone or vowel marks, đ → d, and i/y unified
  where Vietnamese spelling lets them alternate (sĩ/sỹ, lí/lý, kĩ/kỹ, quí/quý → "si", "li", "ki",
  "qui"). Typed with or without diacritics, a word meets its folded form;
- its *exact* form (`exact_syllable`), only when the syllable carries marks: NFC, lowercase, the
  i/y variant unified, and the tone mark put on one canonical vowel, the main vowel of the new
  placement, whatever the writer's habit (hòa/hoà, thủy/thuỷ, khỏe/khoẻ give "hoà", "thuỷ",
  "khoẻ"). A query typed with diacritics also looks for
  the exact forms, so "sách nói" prefers "sách nói" to "sách nội".
Two neighbouring syllables also give a *bigram* of their folded forms joined by "_" ("sach_noi",
"hoc_sinh", "ke_hoach", "bai_day"): Vietnamese words are one to three syllables, so a document
with the query's syllables side by side outranks one where they are scattered.

Sources: Unicode normalization forms NFC/NFD (UAX #15); the Vietnamese tone marks are the combining
grave, acute, tilde, hook above and dot below (U+0300, U+0301, U+0303, U+0309, U+0323), the vowel
marks the circumflex, breve and horn (U+0302, U+0306, U+031B); the i/y alternation and the old
("hoà") and new ("hòa") tone placements are those of the Ministry of Education's spelling rules
(Quyết định 240/QĐ of 1984, Thông tư 1989/2018 of the Ministry of Education and Training).
"""

import re
import unicodedata
from functools import lru_cache

# Letters whose stroke is not a combining mark (NFD leaves them whole): Vietnamese đ/Đ and the
# look-alike eth ð/Ð that old TCVN3/VNI font conversions leave in place of it.
_STROKED_D = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
_ETH_TO_D = str.maketrans({"ð": "đ", "Ð": "Đ"})

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
VOWEL_MARKS = {"\u0302", "\u0306", "\u031b"}
VOWELS = set("aăâeêioôơuưy")

# A syllable: letters and digits (Python's \w on NFC text, where Vietnamese letters are single
# code points); an underscore is a separator here.
# Distinct syllables (as written) whose folded and exact forms are kept in memory: a text's words
# come from a few thousand syllables, and indexing computes both forms for each of them.
SYLLABLE_CACHE_SIZE = 65536
_SYLLABLE = re.compile(r"[^\W_]+")

# Initial consonants after which a lone "y" or "i" is the same vowel (sĩ/sỹ, quí/quý, lí/lý).
_I_Y_INITIALS = ("b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "nh",
                 "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x")

# Vowel pairs whose tone sits on the second vowel in the new placement (hoà, khoẻ, thuỷ).
_TONE_ON_SECOND = ("oa", "oe", "uy")


def syllables(text):
    """The syllables of `text` (str), in order: NFC, split on anything that is not a letter or a
    digit. Returns a list of str (case kept)."""
    return _SYLLABLE.findall(unicodedata.normalize("NFC", text))


def _split_marks(syllable):
    """(base letters, tone mark or "", vowel marks by base index) of a lowercase NFC `syllable`."""
    base, tone, marks = [], "", {}
    for char in unicodedata.normalize("NFD", syllable):
        if unicodedata.category(char) == "Mn":
            if char in TONE_MARKS:
                tone = char
            elif base:
                marks.setdefault(len(base) - 1, "")
                marks[len(base) - 1] += char
        else:
            base.append(char)
    return "".join(base), tone, marks


def _unify_i_y(base):
    """`base` (lowercase, no marks) with a lone final "y" after an initial consonant written "i"
    (ky → ki, ly → li, quy → qui, sy → si); "y" alone ("y tế") and "uy" (tuy, thuy) are kept."""
    if base.endswith("y") and len(base) > 1 and base[:-1] in _I_Y_INITIALS:
        return base[:-1] + "i"
    return base


@lru_cache(maxsize=SYLLABLE_CACHE_SIZE)
def fold_syllable(syllable):
    """The folded form of one `syllable` (str): lowercase, no marks, đ → d, i/y unified.
    ``fold_syllable("Sỹ") == fold_syllable("sĩ") == "si"``."""
    base, _tone, _marks = _split_marks(syllable.translate(_STROKED_D).lower())
    return _unify_i_y(base)


def _tone_position(base, marks):
    """Index in `base` of the vowel that carries the tone in the canonical (new) placement."""
    start = 0
    if base.startswith("qu") or (base.startswith("gi") and len(base) > 2 and base[2] in VOWELS):
        start = 2  # the u of qu, the i of gi belong to the initial consonant
    vowels = [i for i in range(start, len(base)) if base[i] in VOWELS]
    if not vowels:
        return None
    marked = [i for i in vowels if i in marks]
    if marked:
        return marked[-1]  # ư ơ: the tone sits on ơ (người, trường)
    if vowels[-1] < len(base) - 1:  # a final consonant follows: the last vowel (hoàng, toán)
        return vowels[-1]
    if len(vowels) >= 2 and base[vowels[-2]:vowels[-1] + 1] in _TONE_ON_SECOND:
        return vowels[-1]
    if len(vowels) == 3:
        return vowels[1]
    return vowels[0]


@lru_cache(maxsize=SYLLABLE_CACHE_SIZE)
def exact_syllable(syllable):
    """The exact form of one `syllable` (str), or None when it carries no marks (its folded form
    says all): lowercase NFC, i/y unified, đ kept, the tone on the canonical vowel.
    ``exact_syllable("hòa") == exact_syllable("hoà") == "hoà"``; ``exact_syllable("sỹ") == "sĩ"``."""
    lowered = syllable.translate(_ETH_TO_D).lower()
    base, tone, marks = _split_marks(lowered)
    if not tone and not marks and "đ" not in base:
        return None
    unified = _unify_i_y(base)
    position = _tone_position(unified, marks) if tone else None
    out = []
    for index, char in enumerate(unified):
        out.append(char + marks.get(index, "") + (tone if index == position else ""))
    return unicodedata.normalize("NFC", "".join(out))


def index_terms(text):
    """The prepared terms of `text` for a search field: a str of space-separated terms, each
    syllable's folded form and exact form (when it has marks), and the folded bigram of each pair
    of neighbouring syllables. ``index_terms("Sách nói") == "sach sách noi nói sach_noi"``."""
    folded_previous = None
    terms = []
    for syllable in syllables(text):
        folded = fold_syllable(syllable)
        terms.append(folded)
        exact = exact_syllable(syllable)
        if exact is not None:
            terms.append(exact)
        if folded_previous is not None:
            terms.append(f"{folded_previous}_{folded}")
        folded_previous = folded
    return " ".join(terms)


def has_diacritics(text):
    """True if `text` carries any Vietnamese mark or đ (the reader typed with diacritics)."""
    return any(exact_syllable(syllable) is not None for syllable in syllables(text))


def query_terms(query):
    """The terms of a reader's `query` (str) to look for, without repeats, in order: the folded
    syllables, the folded bigrams of neighbouring syllables, and, when the query was typed with
    diacritics, the exact forms. Returns a list of str (empty for a query with no syllable)."""
    words = syllables(query)
    folded = [fold_syllable(word) for word in words]
    terms = list(folded)
    terms += [f"{a}_{b}" for a, b in zip(folded, folded[1:], strict=False)]
    terms += [exact for exact in map(exact_syllable, words) if exact is not None]
    return list(dict.fromkeys(terms))
