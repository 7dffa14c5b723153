"""Chapters of audio and video: those the file declares, or parts cut at long silences.

Declared chapters (MP4/M4B chapter lists, ID3v2 CHAP frames, Matroska and Vorbis chapters) are
read by ffprobe ``-show_chapters`` in the probe (`audio.chapters_of`). A file that declares none
and lasts longer than MIN_DURATION_SECONDS (ten minutes) is cut into parts at its long silences:
ffmpeg's `silencedetect` filter on the first audio stream reports every stretch quieter than
SILENCE_NOISE_DB (dBFS) for at least SILENCE_SECONDS; each part ends in the middle of such a
silence, and a cut that would leave a part shorter than MIN_PART_SECONDS (either side) is dropped.
The parts are titled "Phần 1", "Phần 2", ... (gettext, in the active language).

Chapters are lists of {"title": str, "start": float, "end": float}, seconds with 3 decimals.
"""

import re

from django.utils.translation import gettext as _

from . import audio

MIN_DURATION_SECONDS = 600.0
SILENCE_NOISE_DB = -40.0
SILENCE_SECONDS = 2.0
MIN_PART_SECONDS = 60.0

SOURCE_EMBEDDED = "embedded"
SOURCE_SILENCE = "silence"
SOURCE_NONE = "none"

_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*(-?[\d.]+)")


def detect_silences(path, *, noise_db=SILENCE_NOISE_DB, min_seconds=SILENCE_SECONDS, ffmpeg_cmd="ffmpeg",
                    timeout=None, progress=None):
    """The silences of the first audio stream of `path`: a list of (start, end) in seconds, quieter
    than `noise_db` dBFS for at least `min_seconds` (ffmpeg `silencedetect`). A silence running to
    the end of the file has end None.

    `timeout`: seconds ffmpeg may run; `progress`: called with the seconds of audio read so far.
    Raises ToolMissing, ToolTimeout, AudioUndecodable (ffmpeg could not decode the audio).
    """
    args = [ffmpeg_cmd, "-nostdin", "-nostats", "-hide_banner", "-progress", "pipe:1", "-i", str(path),
            "-map", "0:a:0", "-af", f"silencedetect=noise={noise_db}dB:d={min_seconds}", "-f", "null", "-"]
    stderr = audio.run_with_progress(args, ffmpeg_cmd, path, timeout, progress).decode("utf-8", "replace")
    silences, start = [], None
    for line in stderr.splitlines():
        if (found := _SILENCE_START.search(line)) is not None:
            start = max(0.0, float(found.group(1)))
        elif (found := _SILENCE_END.search(line)) is not None and start is not None:
            silences.append((start, float(found.group(1))))
            start = None
    if start is not None:
        silences.append((start, None))
    return silences


def part_title(number):
    """The title of the `number`-th (1-based) part cut at silences: "Phần 1" (gettext)."""
    return _("Phần %(number)s") % {"number": number}


def chapters_from_silences(silences, duration, min_part_seconds=MIN_PART_SECONDS):
    """Parts of a file of `duration` seconds cut in the middle of each of `silences` ((start, end)
    pairs in seconds, end None for a silence to the end), dropping a cut that would leave a part
    shorter than `min_part_seconds`. Returns a chapter list (see the module doc); [] when no cut
    remains (one part is no chapter list)."""
    cuts = []
    for start, end in silences:
        if end is None or start <= 0:
            continue  # a silence at the very start or running to the end separates nothing
        middle = (start + end) / 2
        previous = cuts[-1] if cuts else 0.0
        if middle - previous >= min_part_seconds and duration - middle >= min_part_seconds:
            cuts.append(middle)
    if not cuts:
        return []
    bounds = [0.0, *cuts, float(duration)]
    return [{"title": part_title(number), "start": round(first, 3), "end": round(last, 3)}
            for number, (first, last) in enumerate(zip(bounds, bounds[1:], strict=False), start=1)]


def find_chapters(path, *, embedded, duration, has_audio=True, min_duration=MIN_DURATION_SECONDS,
                  noise_db=SILENCE_NOISE_DB, min_silence=SILENCE_SECONDS, min_part=MIN_PART_SECONDS,
                  ffmpeg_cmd="ffmpeg", timeout=None, progress=None):
    """The chapters of the media file at `path`: (chapters, source).

    `embedded`: the chapters the probe read from the file (a chapter list); when there are any they
    are the answer (source SOURCE_EMBEDDED). Otherwise, a file with audio longer than `min_duration`
    seconds (`duration`, seconds) is cut at its silences (SOURCE_SILENCE, or SOURCE_NONE when no
    silence qualifies); a shorter or silent one has none (SOURCE_NONE, []). `progress`: called with
    a fraction 0.0-1.0 while silences are detected.
    Raises ToolMissing, ToolTimeout, AudioUndecodable.
    """
    if embedded:
        return list(embedded), SOURCE_EMBEDDED
    if not has_audio or not duration or duration <= min_duration:
        return [], SOURCE_NONE
    on_seconds = None
    if progress is not None:
        def on_seconds(seconds):
            progress(min(1.0, seconds / duration))
    silences = detect_silences(path, noise_db=noise_db, min_seconds=min_silence, ffmpeg_cmd=ffmpeg_cmd,
                               timeout=timeout, progress=on_seconds)
    chapters = chapters_from_silences(silences, duration, min_part_seconds=min_part)
    return chapters, (SOURCE_SILENCE if chapters else SOURCE_NONE)
