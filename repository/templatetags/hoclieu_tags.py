"""Template tags of the public material pages: who sees processing details, durations, chapters, licences,
who reviewed the material."""

import math

from django import template

from ..access import user_is_library_staff
from ..choices import RIGHTS_URLS
from ..review import review_attestation

register = template.Library()

# Playback rates offered by the audiobook player, as written in the page (dot decimal).
PLAYBACK_RATES = ("0.75", "1", "1.25", "1.5", "2")


@register.simple_tag
def playback_rates():
    """The audiobook player's playback rates (PLAYBACK_RATES): ``{% playback_rates as rates %}``."""
    return PLAYBACK_RATES


@register.simple_tag(takes_context=True)
def can_see_processing(context, page):
    """True when the request's user may see `page`'s file processing status and error.

    Allowed: the file's uploader, the staff of the page's library (repository.access.user_is_library_staff),
    superusers. Usage: ``{% can_see_processing page as show_processing %}``.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or page is None:
        return False
    material_file = getattr(page, "file", None)
    if material_file is not None and material_file.uploaded_by_user_id == user.pk:
        return True
    return user_is_library_staff(user, page.library_id)


@register.filter
def duration(seconds):
    """Format a duration in seconds as H:MM:SS or M:SS (e.g. 75.4 -> "1:15"); "" for None/invalid."""
    try:
        total = int(math.floor(float(seconds)))
    except (TypeError, ValueError, OverflowError):
        return ""
    if total < 0:
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def rights_url(rights):
    """The licence URL of a Rights code (repository.choices.RIGHTS_URLS), or "" when there is none."""
    return RIGHTS_URLS.get(rights, "")


@register.simple_tag
def audiobook_chapters(material_file):
    """The chapters of `material_file` (MaterialFile.chapters) cleaned for the player.

    Returns a list of dicts {"title": str, "start": float, "end": float | None} in seconds, sorted
    by start; an entry without a numeric start is dropped, a missing end becomes the next chapter's
    start (or the file's duration, or None for the last one). Usage:
    ``{% audiobook_chapters page.file as chapters %}``.
    """
    raw = getattr(material_file, "chapters", None) or []
    chapters = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(item, dict):
            continue
        start = _seconds(item.get("start"))
        if start is None:
            continue
        title = str(item.get("title") or "").strip() or f"#{index + 1}"
        chapters.append({"title": title, "start": start, "end": _seconds(item.get("end"))})
    chapters.sort(key=lambda chapter: chapter["start"])
    total = _seconds(getattr(material_file, "duration_seconds", None))
    for position, chapter in enumerate(chapters):
        if chapter["end"] is None or chapter["end"] <= chapter["start"]:
            following = chapters[position + 1]["start"] if position + 1 < len(chapters) else total
            chapter["end"] = following
    return chapters


def _seconds(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


@register.simple_tag
def material_review(page):
    """What the published `page` says of its review (repository.review.review_attestation: the subject
    group and date, the principal's sign-off), or None. Usage: ``{% material_review page as review %}``."""
    if page is None or not getattr(page, "pk", None):
        return None
    return review_attestation(page)
