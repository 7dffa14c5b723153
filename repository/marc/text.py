"""Text rules for MARC data: Unicode NFC, no control characters, ISBD punctuation, durations."""

import re
import unicodedata

_CONTROL_OR_SPACE_RUN = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def clean_text(value):
    """Return `value` (any object; None gives "") as one line of NFC text for a MARC subfield.

    Vietnamese from some sources arrives decomposed (NFD); MARC 21 records in UTF-8 should be
    precomposed (NFC), as the print catalogue is. Control characters, including the ISO 2709
    delimiters 0x1D/0x1E/0x1F and line breaks, would corrupt the record or the XML: each run of
    them and of white space becomes one space.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _CONTROL_OR_SPACE_RUN.sub(" ", text).strip()


def with_terminal(text, mark):
    """`text` ending with the ISBD mark `mark` (e.g. "." or " /"), unless it already ends in one.

    A text ending in ".", "?" or "!" keeps its own mark instead of a full stop (ISBD A.3.2.10).
    """
    if not text:
        return text
    if mark == "." and text[-1] in ".?!":
        return text
    return text + mark


def split_utf8(text, max_bytes):
    """Split `text` into pieces of at most `max_bytes` UTF-8 bytes, at spaces where possible."""
    pieces = []
    while len(text.encode("utf-8")) > max_bytes:
        head = text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
        cut = head.rfind(" ")
        if cut <= 0:
            cut = len(head)
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces


def split_duration(seconds):
    """(hours, minutes, seconds) of a duration in seconds, rounded to the whole second."""
    total = max(0, round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs


def duration_hhmmss(seconds):
    """A duration in seconds as MARC 306 $a "hhmmss" (six digits; hours capped at 99)."""
    hours, minutes, secs = split_duration(seconds)
    return f"{min(hours, 99):02d}{minutes:02d}{secs:02d}"


_SIZE_UNITS = ("B", "KB", "MB", "GB", "TB")


def file_size_words(size):
    """A file size in bytes as RDA 3.19.4 records it (347 $c): "845 B", "182 KB", "1,5 MB".

    Units of 1,024 bytes; one decimal (a Vietnamese decimal comma) below 10 of a unit, none above.
    Raises ValueError for a negative size.
    """
    size = int(size)
    if size < 0:
        raise ValueError(f"Kích thước tệp âm: {size}")
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_SIZE_UNITS) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{size} {_SIZE_UNITS[0]}"
    text = f"{value:.1f}".replace(".", ",") if value < 10 else f"{round(value)}"
    return f"{text} {_SIZE_UNITS[unit]}"
