"""Audio: probe (duration, codec, bit rate, sample rate, channels, chapters) and streaming rendition.

Both go through ffmpeg-python: `ffmpeg.probe` (ffprobe, with ``-show_chapters``) and an ffmpeg graph.

The streaming rendition is what phones and school computers play: AAC-LC, mono, 64 kb/s by default,
loudness-normalised to EBU R128 with ffmpeg's `loudnorm` filter (single pass, dynamic mode: integrated
loudness target `loudness_lufs`, true peak -1.5 dBTP, loudness range 11 LU), in an MP4/M4A container
with the index up front (``-movflags +faststart``) so playback and HTTP range requests (RFC 7233)
start before the whole file arrives. Chapters and global tags of the source are kept (the MP4 muxer
writes chapters as a QuickTime chapter track, which ffprobe, browsers' media stacks and podcast apps
read).

Truncation: a container or header that declares a duration (an MP3 Xing/Info header, FLAC
STREAMINFO total samples, a WAV data-chunk size, an MP4 `mvhd`) must match the duration actually
decoded, which we learn from the rendition (it is made by decoding every frame of the source). A
file that decodes to less than the declared duration minus max(0.5 s, 2 %) fails with
AudioTruncated. Caveat: an MP3 without a Xing/VBRI header has its duration estimated by ffmpeg from
the file size, so a truncated constant-bit-rate MP3 without such a header cannot be told apart
from a short one.
"""

import os
from dataclasses import dataclass, field

import ffmpeg

from .errors import AudioTruncated, AudioUndecodable, ToolFailed, ToolMissing

STREAM_BITRATE = "64k"
STREAM_CHANNELS = 1
LOUDNESS_LUFS = -16.0
TRUE_PEAK_DBTP = -1.5
LOUDNESS_RANGE_LU = 11.0
# A decoded duration this much shorter than the declared one means a truncated file.
TRUNCATION_TOLERANCE_SECONDS = 0.5
TRUNCATION_TOLERANCE_RATIO = 0.02
# Sample rates the rendition may keep (AAC-LC in MP4); others are resampled to the nearest.
_MAX_SAMPLE_RATE = 48000
_MIN_SAMPLE_RATE = 8000


@dataclass
class AudioInfo:
    """What ffprobe says of a file. Durations and chapter times in seconds, `bit_rate` in bit/s,
    `sample_rate` in Hz; any of them None when the container does not say. `chapters` is a list
    of {"title": str, "start": float, "end": float}; `tags` the container's global tags."""

    format_name: str
    codec: str
    duration: float | None
    bit_rate: int | None
    sample_rate: int | None
    channels: int | None
    chapters: list[dict] = field(default_factory=list)
    tags: dict = field(default_factory=dict)


def _number(value, kind=float):
    try:
        return kind(float(value))
    except (TypeError, ValueError):
        return None


def _error_detail(error, path):
    """Last meaningful line of a tool's stderr (ffmpeg.Error) for a message, with the server's
    directory of `path` left out (people see the message)."""
    text = (error.stderr or b"").decode("utf-8", "replace").replace(str(path), os.path.basename(path))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "mã thoát khác 0"


def probe(path, ffprobe="ffprobe"):
    """Probe the audio file at `path` with ffprobe `ffprobe` (a command name or path); see AudioInfo.

    Raises ToolMissing when ffprobe is not installed, AudioUndecodable when ffprobe cannot read the
    file or it has no audio stream.
    """
    try:
        data = ffmpeg.probe(str(path), cmd=ffprobe, show_chapters=None)
    except FileNotFoundError as error:
        raise ToolMissing(tool=ffprobe) from error
    except ffmpeg.Error as error:
        raise AudioUndecodable(detail=_error_detail(error, path)) from error
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioUndecodable(detail="không có luồng âm thanh")
    stream, container = streams[0], data.get("format", {})
    duration = _number(container.get("duration")) or _number(stream.get("duration"))
    chapters = [
        {
            "title": (chapter.get("tags") or {}).get("title") or f"{index + 1:02d}",
            "start": round(float(chapter["start_time"]), 3),
            "end": round(float(chapter["end_time"]), 3),
        }
        for index, chapter in enumerate(data.get("chapters", []))
    ]
    return AudioInfo(
        format_name=container.get("format_name", ""),
        codec=stream.get("codec_name", ""),
        duration=duration,
        bit_rate=_number(stream.get("bit_rate"), int) or _number(container.get("bit_rate"), int),
        sample_rate=_number(stream.get("sample_rate"), int),
        channels=_number(stream.get("channels"), int),
        chapters=chapters,
        tags={key.lower(): value for key, value in (container.get("tags") or {}).items()},
    )


def make_stream_rendition(
    source,
    destination,
    *,
    ffmpeg_cmd="ffmpeg",
    ffprobe="ffprobe",
    bitrate=STREAM_BITRATE,
    loudness_lufs=LOUDNESS_LUFS,
    sample_rate=None,
):
    """Write the streaming rendition of audio file `source` to `destination` (an .m4a path).

    AAC, mono, `bitrate` (ffmpeg syntax, "64k" = 64 kb/s), EBU R128 loudness `loudness_lufs` (LUFS),
    MP4 with +faststart, chapters and tags of the source kept; `sample_rate` (Hz) is the source's,
    clamped to 8-48 kHz (loudnorm works at 192 kHz internally and must be told what to give back).

    Returns the AudioInfo of the written rendition, probed with `ffprobe` (its duration is the
    decoded one).
    Raises ToolMissing, AudioUndecodable (ffmpeg failed to decode, or nothing came out).
    """
    rate = max(_MIN_SAMPLE_RATE, min(sample_rate or 44100, _MAX_SAMPLE_RATE))
    audio = ffmpeg.input(str(source))["a:0"].filter(
        "loudnorm", I=loudness_lufs, TP=TRUE_PEAK_DBTP, LRA=LOUDNESS_RANGE_LU
    )
    graph = (
        ffmpeg.output(
            audio,
            str(destination),
            acodec="aac",
            audio_bitrate=bitrate,
            ac=STREAM_CHANNELS,
            ar=rate,
            movflags="+faststart",
            map_chapters=0,
            map_metadata=0,
            f="mp4",
        )
        .global_args("-nostdin", "-nostats", "-loglevel", "error")
    )
    try:
        graph.run(cmd=ffmpeg_cmd, capture_stdout=True, capture_stderr=True, overwrite_output=True)
    except FileNotFoundError as error:
        raise ToolMissing(tool=ffmpeg_cmd) from error
    except ffmpeg.Error as error:
        raise AudioUndecodable(detail=_error_detail(error, source)) from error
    if not os.path.exists(destination) or os.path.getsize(destination) == 0:
        raise AudioUndecodable(detail="không có âm thanh nào được giải mã")
    try:
        rendition = probe(destination, ffprobe=ffprobe)
    except AudioUndecodable as error:
        raise ToolFailed(tool=ffmpeg_cmd, detail=str(error)) from error
    if not rendition.duration:
        raise AudioUndecodable(detail="không có âm thanh nào được giải mã")
    return rendition


def check_complete(declared, decoded):
    """Raise AudioTruncated when `decoded` seconds fall short of `declared` seconds (see module doc).

    Nothing is checked when the file declares no duration (`declared` None or 0).
    """
    if not declared:
        return
    tolerance = max(TRUNCATION_TOLERANCE_SECONDS, declared * TRUNCATION_TOLERANCE_RATIO)
    if decoded < declared - tolerance:
        raise AudioTruncated(decoded=float(decoded), declared=float(declared))


@dataclass
class AudioResult:
    """Result of `process_audio`: the source's `info`, the rendition's `rendition_info`, and
    `duration` (seconds actually decoded)."""

    info: AudioInfo
    rendition_info: AudioInfo
    duration: float


def process_audio(source, rendition_path, *, ffmpeg_cmd="ffmpeg", ffprobe="ffprobe",
                  bitrate=STREAM_BITRATE, loudness_lufs=LOUDNESS_LUFS):
    """Probe `source`, write its streaming rendition to `rendition_path`, check it is complete.

    Returns AudioResult. Raises ToolMissing, AudioUndecodable, AudioTruncated; on failure
    `rendition_path` may hold a partial file, which the caller discards.
    """
    info = probe(source, ffprobe=ffprobe)
    rendition = make_stream_rendition(
        source, rendition_path, ffmpeg_cmd=ffmpeg_cmd, ffprobe=ffprobe, bitrate=bitrate,
        loudness_lufs=loudness_lufs, sample_rate=info.sample_rate,
    )
    check_complete(info.duration, rendition.duration)
    return AudioResult(info=info, rendition_info=rendition, duration=rendition.duration)
