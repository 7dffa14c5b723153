"""ASCII page slugs from Vietnamese titles ("Đại số 7" -> "dai-so-7").

Django's slugify(allow_unicode=False) drops "đ" (it has no decomposition) and Wagtail's default keeps
Unicode slugs, which make unreadable percent-encoded URLs; Hoclieu folds Vietnamese first.
"""

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
