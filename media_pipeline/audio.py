"""Audio: probe (duration, codec, bit rate, sample rate, channels, chapters) and streaming rendition.

ffmpeg-python builds the command lines (ffprobe with ``-show_chapters``, the ffmpeg graph); they run
through `subprocess` with a time limit (`timeout`, seconds), since ffmpeg-python's own runners cannot
time out. The rendition reports its progress from ffmpeg's ``-progress`` output.

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

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field

import ffmpeg

from .errors import AudioTruncated, AudioUndecodable, ToolFailed, ToolMissing, ToolTimeout, tool_detail

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


# The detail of a failure whose tool said nothing on stderr.
NONZERO_EXIT = "mã thoát khác 0"

PROBE_TIMEOUT = 60.0


def probe(path, ffprobe="ffprobe", timeout=PROBE_TIMEOUT):
    """Probe the audio file at `path` with ffprobe `ffprobe` (a command name or path); see AudioInfo.

    Raises ToolMissing when ffprobe is not installed, ToolTimeout past `timeout` seconds,
    AudioUndecodable when ffprobe cannot read the file or it has no audio stream.
    """
    args = [ffprobe, "-show_format", "-show_streams", "-show_chapters", "-of", "json", str(path)]
    try:
        completed = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise ToolMissing(tool=ffprobe) from error
    except subprocess.TimeoutExpired as error:
        raise ToolTimeout(tool=ffprobe, seconds=float(timeout)) from error
    if completed.returncode != 0:
        raise AudioUndecodable(detail=tool_detail(completed.stderr, path, empty=NONZERO_EXIT))
    try:
        data = json.loads(completed.stdout or b"{}")
    except ValueError as error:
        raise ToolFailed(tool=ffprobe, detail="JSON không hợp lệ") from error
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioUndecodable(detail="không có luồng âm thanh")
    stream, container = streams[0], data.get("format", {})
    duration = _number(container.get("duration")) or _number(stream.get("duration"))
    chapters = chapters_of(data)
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


def chapters_of(data):
    """The chapters of ffprobe's JSON `data` (``-show_chapters``: MP4/M4B chapter lists, ID3v2 CHAP
    frames, Matroska and Vorbis chapters, whatever the container holds), as a list of
    {"title": str, "start": float, "end": float} in seconds (3 decimals); a chapter without a title
    is numbered "01", "02", ..."""
    return [
        {
            "title": (chapter.get("tags") or {}).get("title") or f"{index + 1:02d}",
            "start": round(float(chapter["start_time"]), 3),
            "end": round(float(chapter["end_time"]), 3),
        }
        for index, chapter in enumerate(data.get("chapters", []))
    ]


def make_stream_rendition(
    source,
    destination,
    *,
    ffmpeg_cmd="ffmpeg",
    ffprobe="ffprobe",
    bitrate=STREAM_BITRATE,
    loudness_lufs=LOUDNESS_LUFS,
    sample_rate=None,
    timeout=None,
    progress=None,
):
    """Write the streaming rendition of audio file `source` to `destination` (an .m4a path).

    AAC, mono, `bitrate` (ffmpeg syntax, "64k" = 64 kb/s), EBU R128 loudness `loudness_lufs` (LUFS),
    MP4 with +faststart, chapters and tags of the source kept; `sample_rate` (Hz) is the source's,
    clamped to 8-48 kHz (loudnorm works at 192 kHz internally and must be told what to give back).

    `timeout`: seconds ffmpeg may run (None: no limit); `progress`: called with the seconds of
    audio written so far, as ffmpeg reports them (``-progress``), about twice a second.

    Returns the AudioInfo of the written rendition, probed with `ffprobe` (its duration is the
    decoded one).
    Raises ToolMissing, ToolTimeout, AudioUndecodable (ffmpeg failed to decode, or nothing came out).
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
        .global_args("-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1")
    )
    run_with_progress(graph.compile(cmd=ffmpeg_cmd, overwrite_output=True), ffmpeg_cmd, source,
                      timeout, progress)
    if not os.path.exists(destination) or os.path.getsize(destination) == 0:
        raise AudioUndecodable(detail="không có âm thanh nào được giải mã")
    try:
        rendition = probe(destination, ffprobe=ffprobe)
    except AudioUndecodable as error:
        raise ToolFailed(tool=ffmpeg_cmd, detail=str(error)) from error
    if not rendition.duration:
        raise AudioUndecodable(detail="không có âm thanh nào được giải mã")
    return rendition


def run_with_progress(args, tool, source, timeout, progress, undecodable=AudioUndecodable):
    """Run ffmpeg `args` (with ``-progress pipe:1``), calling `progress` with the seconds of output
    written so far (its ``out_time_us`` lines on stdout); stop it past `timeout` seconds.

    Raises ToolMissing, ToolTimeout, `undecodable` (a MediaError class taking `detail`; default
    AudioUndecodable) on a non-zero exit, with ffmpeg's last error line. Returns ffmpeg's stderr
    (bytes), where filters such as silencedetect report.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL)
    except FileNotFoundError as error:
        raise ToolMissing(tool=tool) from error
    stderr_chunks = []
    drain = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)
    drain.start()
    timer = None
    if deadline is not None:
        timer = threading.Timer(timeout, process.kill)
        timer.start()
    try:
        for raw in process.stdout:
            line = raw.decode("ascii", "replace").strip()
            if progress is not None and line.startswith("out_time_us="):
                value = _number(line.partition("=")[2], int)
                if value is not None and value >= 0:
                    progress(value / 1_000_000)
        process.wait()
    finally:
        if timer is not None:
            timer.cancel()
        drain.join(timeout=5)
    if deadline is not None and time.monotonic() >= deadline and process.returncode != 0:
        raise ToolTimeout(tool=tool, seconds=float(timeout))
    if process.returncode != 0:
        raise undecodable(detail=tool_detail(b"".join(stderr_chunks), source, empty=NONZERO_EXIT))
    return b"".join(stderr_chunks)


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


def rendition_timeout(duration, base=60.0, per_second=1.0):
    """Seconds the rendition of `duration` seconds of audio may take: `base` plus `per_second` for
    each second of audio (decoding and AAC encoding run far faster than real time; loudnorm's
    look-ahead costs a few times more than a plain transcode)."""
    return base + per_second * float(duration or 0)


def process_audio(source, rendition_path, *, ffmpeg_cmd="ffmpeg", ffprobe="ffprobe",
                  bitrate=STREAM_BITRATE, loudness_lufs=LOUDNESS_LUFS, timeout=None, progress=None,
                  info=None):
    """Probe `source` (unless its AudioInfo `info` is given), write its streaming rendition to
    `rendition_path`, check it is complete.

    `timeout`: seconds for the rendition (default rendition_timeout of the probed duration);
    `progress`: called with a fraction 0.0-1.0 of the audio rendered.
    Returns AudioResult. Raises ToolMissing, ToolTimeout, AudioUndecodable, AudioTruncated; on failure
    `rendition_path` may hold a partial file, which the caller discards.
    """
    info = info or probe(source, ffprobe=ffprobe)
    on_seconds = None
    if progress is not None and info.duration:
        def on_seconds(seconds):
            progress(min(1.0, seconds / info.duration))
    rendition = make_stream_rendition(
        source, rendition_path, ffmpeg_cmd=ffmpeg_cmd, ffprobe=ffprobe, bitrate=bitrate,
        loudness_lufs=loudness_lufs, sample_rate=info.sample_rate,
        timeout=timeout if timeout is not None else rendition_timeout(info.duration), progress=on_seconds,
    )
    check_complete(info.duration, rendition.duration)
    return AudioResult(info=info, rendition_info=rendition, duration=rendition.duration)
