"""ASCII page slugs from Vietnamese titles ("Đại số 7" -> "dai-so-7").

Django's slugify(allow_unicode=False) drops "đ" (it has no decomposition) and Wagtail's default keeps
Unicode slugs, which make unreadable percent-encoded URLs; Hoclieu folds Vietnamese first.

In the admin, Wagtail's slug field (its `w-slug` Stimulus controller, with WAGTAIL_ALLOW_UNICODE_SLUGS
False) drops every letter outside ASCII and has no Vietnamese transliteration ("Kế hoạch bài dạy" ->
"k-hoch-bai-dy"). `VIETNAMESE_SLUG_FORMATTERS` are the controller's formatters (regex, replacement)
that fold Vietnamese letters before it slugifies, so the address it proposes is `vietnamese_slug`'s
("ke-hoach-bai-day"); the material's form uses them and also makes the slug on the server when it
is left empty (repository.page_forms).
"""

import re
import string

from django.utils.text import slugify

from .search.text import fold_vietnamese

MAX_SLUG_LENGTH = 80


def vietnamese_slug(title):
    """An ASCII slug of `title`: diacritics folded (đ -> d), at most MAX_SLUG_LENGTH characters."""
    return slugify(fold_vietnamese(title))[:MAX_SLUG_LENGTH].strip("-")


def unique_child_slug(parent, title):
    """`vietnamese_slug(title)`, with "-2", "-3", ... appended if a child of `parent` already has it."""
    base = vietnamese_slug(title) or "hoc-lieu"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _folding_formatters():
    """(regex, replacement) pairs: for each ASCII letter, the class of the Latin letters (Latin-1
    Supplement to Latin Extended Additional, U+00C0-U+1EFF, both cases) that `fold_vietnamese`
    folds to it; then combining marks (U+0300-U+036F, left by NFD input) removed."""
    by_base = {}
    for code_point in range(0x00C0, 0x1F00):
        character = chr(code_point)
        if not character.isalpha():
            continue
        folded = fold_vietnamese(character)
        if len(folded) == 1 and folded in string.ascii_lowercase:
            by_base.setdefault(folded, []).append(character)
    formatters = [(re.compile("[" + "".join(characters) + "]"), base)
                  for base, characters in sorted(by_base.items())]
    formatters.append((re.compile("[\u0300-\u036f]"), ""))
    return formatters


# Formatters of Wagtail's SlugInput widget (wagtail.admin.widgets.slug.SlugInput `formatters`).
VIETNAMESE_SLUG_FORMATTERS = _folding_formatters()
