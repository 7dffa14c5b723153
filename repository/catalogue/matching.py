"""A material's print twin: the catalogue record of the same work in its library's print collection.

A material (MaterialPage) has no ISBN field, so its twin is never linked automatically: this module
suggests records of the material's library whose normalised title and authors are close to the
material's, and the librarian confirms one in the admin (repository.views.print_twin).

Normalisation is the search's Vietnamese folding (repository.search.vietnamese: NFC, lowercase,
no tone or vowel marks, đ → d, i/y unified), so "Tiếng Việt 1" matches "TIENG VIET 1" and
"Lí Thái Tổ" matches "Lý Thái Tổ". Scores are in [0, 1].
"""

import dataclasses
import difflib

from django.db.models import Q

from ..models import CatalogueRecord
from ..models.catalogue import fold_text

TITLE_WEIGHT = 0.75
AUTHOR_WEIGHT = 0.25
MIN_SCORE = 0.5
MAX_CANDIDATES = 200


@dataclasses.dataclass
class Suggestion:
    """A catalogue record suggested as a material's print twin, with its score (float in [0, 1])."""

    record: CatalogueRecord
    score: float


def title_similarity(a, b):
    """Similarity in [0, 1] of two titles after folding (difflib's ratio over the folded strings)."""
    a, b = fold_text(a), fold_text(b)
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def author_similarity(material_authors, record_authors):
    """Share (0..1) of the material's authors (list of str) found among the record's (folded, as
    whole names); 0 when either list is empty."""
    ours = {fold_text(name) for name in material_authors if fold_text(name)}
    theirs = {fold_text(name) for name in record_authors if fold_text(name)}
    if not ours or not theirs:
        return 0.0
    return len(ours & theirs) / len(ours)


def _candidates(material):
    """Active records of the material's library sharing a pair of neighbouring title syllables (or
    the title's one syllable) with the material's folded title; at most MAX_CANDIDATES."""
    words = fold_text(material.title).split()
    if not words:
        return CatalogueRecord.objects.none()
    pieces = [" ".join(pair) for pair in zip(words, words[1:], strict=False)] or words
    condition = Q()
    for piece in pieces:
        condition |= Q(folded_text__contains=piece)
    return (CatalogueRecord.objects.active()
            .filter(library_id=material.library_id).filter(condition)[:MAX_CANDIDATES])


def suggest_print_twins(material, limit=5, min_score=MIN_SCORE):
    """Suggestions (list of Suggestion, best first, at most `limit`) of print twins for `material`
    (a MaterialPage): records of its own library, not deleted, scored TITLE_WEIGHT × title
    similarity + AUTHOR_WEIGHT × author similarity, kept when the score is at least `min_score`.
    The material's current twin is left out. No library, no suggestion."""
    if material.library_id is None:
        return []
    creators = material.creator_list
    suggestions = []
    for record in _candidates(material):
        if record.pk == material.print_twin_id:
            continue
        score = (TITLE_WEIGHT * title_similarity(material.title, record.title)
                 + AUTHOR_WEIGHT * author_similarity(creators, record.author_list))
        if score >= min_score:
            suggestions.append(Suggestion(record, round(score, 3)))
    suggestions.sort(key=lambda s: (-s.score, s.record.title, s.record.pk))
    return suggestions[:limit]


def link_print_twin(material, record):
    """Make `record` (a CatalogueRecord of the material's library, or None to unlink) the print twin
    of `material` (a MaterialPage). Raises ValueError for a record of another library or a deleted
    one. Saves only the `print_twin` column (no new page revision: it is not editorial content)."""
    if record is not None and (record.library_id != material.library_id or record.deleted):
        raise ValueError("record is not an active record of the material's library")
    material.print_twin = record
    type(material).objects.filter(pk=material.pk).update(print_twin=record)
