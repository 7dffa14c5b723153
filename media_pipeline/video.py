"""Video lessons: probe, an H.264/AAC MP4 rendition for streaming, and a poster frame.

All tools run through `subprocess` with a time limit (`timeout`, seconds): ffprobe with
``subprocess.run``, ffmpeg through `audio.run_with_progress` (Popen with a deadline, progress from
ffmpeg's ``-progress`` output).

Rotation: a phone stores portrait video as landscape frames with a display matrix (ISO/IEC
14496-12 §8.2.2 `tkhd` matrix; ffprobe shows it as the stream's "Display Matrix" side data with a
`rotation` in degrees, older files as a ``rotate`` tag). ffmpeg applies it while decoding
(``-autorotate``, on by default) and writes the rendition and the poster upright, with no display
matrix left. `display_size` gives the upright size the probe expects.

The rendition is what browsers play everywhere: H.264 (libx264, High profile, yuv420p, CRF
`VIDEO_CRF`, preset `VIDEO_PRESET`) and AAC-LC (`AUDIO_BITRATE`, stereo at most), at most 720p
(`fit_within`: the longer side at most MAX_LONG_SIDE = 1280 pixels, the shorter at most
MAX_SHORT_SIDE = 720, aspect ratio kept, both even as yuv420p needs, never enlarged), square
pixels, in MP4 with the index before the media data (``-movflags +faststart``) so playback and
HTTP range requests (RFC 7233) start at once. Chapters and global tags of the source are kept.

Truncation: a container that declares a duration must decode to it, give or take
max(0.5 s, 2 %) (`audio.check_complete`'s tolerance); otherwise VideoTruncated.
"""

import json
import os
import subprocess
from dataclasses import dataclass, field

from . import audio
from .errors import ToolFailed, ToolMissing, ToolTimeout, VideoTruncated, VideoUndecodable, tool_detail

MAX_LONG_SIDE = 1280
MAX_SHORT_SIDE = 720
VIDEO_CODEC = "libx264"
VIDEO_PROFILE = "high"
VIDEO_CRF = 23
VIDEO_PRESET = "veryfast"
AUDIO_BITRATE = "128k"
AUDIO_MAX_CHANNELS = 2
# The poster is the frame at this share of the duration, or at POSTER_FALLBACK_SECONDS when the
# duration is unknown.
POSTER_POSITION = 0.1
POSTER_FALLBACK_SECONDS = 1.0
# JPEG quality of the poster on ffmpeg's -q:v scale (2 best .. 31 worst).
POSTER_QUALITY = 3
PROBE_TIMEOUT = 60.0
# Sample entries that are cover art in a video stream, not moving pictures.
ATTACHED_PICTURE = "attached_pic"


@dataclass
class VideoInfo:
    """What ffprobe says of a video file.

    `width`/`height`: the coded frame size (pixels); `rotation`: degrees clockwise the player turns
    it (0, 90, 180, 270); `display_width`/`display_height`: the upright size. `duration` and chapter
    times in seconds, `bit_rate` in bit/s, `frame_rate` in frames/s, `sample_rate` in Hz; None when
    the container does not say. `audio_codec` is "" and `has_audio` False for a silent video.
    `chapters`: list of {"title", "start", "end"} (audio.chapters_of); `tags`: global tags.
    `video_duration`: seconds of the video stream itself (the container's `duration` may be longer,
    e.g. an MP4 whose chapter track runs to the declared end); None when the stream does not say.
    """

    format_name: str
    video_codec: str
    width: int
    height: int
    rotation: int
    duration: float | None
    bit_rate: int | None
    frame_rate: float | None
    pixel_format: str
    has_audio: bool
    audio_codec: str = ""
    sample_rate: int | None = None
    channels: int | None = None
    chapters: list[dict] = field(default_factory=list)
    tags: dict = field(default_factory=dict)
    video_duration: float | None = None

    @property
    def display_width(self):
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def display_height(self):
        return self.width if self.rotation in (90, 270) else self.height


def _number(value, kind=float):
    try:
        return kind(float(value))
    except (TypeError, ValueError):
        return None


def rotation_of(stream):
    """Degrees clockwise (0, 90, 180 or 270) a player turns ffprobe's video `stream` (a dict): from
    its Display Matrix side data (ffprobe's `rotation`, counter-clockwise, so negated) or its
    ``rotate`` tag (clockwise)."""
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            degrees = -(_number(side_data["rotation"]) or 0)
            return int(round(degrees / 90.0)) * 90 % 360
    degrees = _number((stream.get("tags") or {}).get("rotate")) or 0
    return int(round(degrees / 90.0)) * 90 % 360


def _frame_rate(stream):
    numerator, _slash, denominator = str(stream.get("avg_frame_rate") or "").partition("/")
    rate_n, rate_d = _number(numerator), _number(denominator)
    return round(rate_n / rate_d, 3) if rate_n and rate_d else None


def probe(path, ffprobe="ffprobe", timeout=PROBE_TIMEOUT):
    """Probe the video file at `path` with ffprobe `ffprobe` (a command name or path); see VideoInfo.

    Raises ToolMissing when ffprobe is not installed, ToolTimeout past `timeout` seconds,
    VideoUndecodable when ffprobe cannot read the file or it has no video stream (cover art does
    not count).
    """
    args = [ffprobe, "-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json",
            str(path)]
    try:
        completed = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise ToolMissing(tool=ffprobe) from error
    except subprocess.TimeoutExpired as error:
        raise ToolTimeout(tool=ffprobe, seconds=float(timeout)) from error
    if completed.returncode != 0:
        raise VideoUndecodable(detail=tool_detail(completed.stderr, path, empty=audio.NONZERO_EXIT))
    try:
        data = json.loads(completed.stdout or b"{}")
    except ValueError as error:
        raise ToolFailed(tool=ffprobe, detail="JSON không hợp lệ") from error
    streams = data.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get(ATTACHED_PICTURE)]
    if not videos or not videos[0].get("width") or not videos[0].get("height"):
        raise VideoUndecodable(detail="không có luồng video")
    video = videos[0]
    sound = next((s for s in streams if s.get("codec_type") == "audio"), None)
    container = data.get("format", {})
    return VideoInfo(
        format_name=container.get("format_name", ""),
        video_codec=video.get("codec_name", ""),
        width=int(video["width"]),
        height=int(video["height"]),
        rotation=rotation_of(video),
        duration=_number(container.get("duration")) or _number(video.get("duration")),
        bit_rate=_number(container.get("bit_rate"), int),
        frame_rate=_frame_rate(video),
        pixel_format=video.get("pix_fmt", ""),
        has_audio=sound is not None,
        audio_codec=(sound or {}).get("codec_name", ""),
        sample_rate=_number((sound or {}).get("sample_rate"), int),
        channels=_number((sound or {}).get("channels"), int),
        chapters=audio.chapters_of(data),
        tags={key.lower(): value for key, value in (container.get("tags") or {}).items()},
        video_duration=_number(video.get("duration")),
    )


def fit_within(width, height, long_side=MAX_LONG_SIDE, short_side=MAX_SHORT_SIDE):
    """(width, height) of a `width` × `height` picture scaled down, aspect kept, so that its longer
    side is at most `long_side` and its shorter at most `short_side` (pixels), both even; never
    enlarged (an odd size is rounded down to even). 1920×1080 -> (1280, 720); 1080×1920 -> (720, 1280)."""
    scale = min(1.0, long_side / max(width, height), short_side / min(width, height))

    def even(value):
        return max(2, int(value * scale / 2 + 0.5) * 2 if scale < 1 else int(value) // 2 * 2)

    return even(width), even(height)


def rendition_timeout(duration, base=60.0, per_second=3.0):
    """Seconds the rendition of `duration` seconds of video may take: `base` plus `per_second` for
    each second (libx264 at preset veryfast encodes 720p at about real time on two cores)."""
    return base + per_second * float(duration or 0)


def make_rendition(source, destination, *, info=None, ffmpeg_cmd="ffmpeg", ffprobe="ffprobe", crf=VIDEO_CRF,
                   preset=VIDEO_PRESET, audio_bitrate=AUDIO_BITRATE, timeout=None, progress=None):
    """Write the streaming rendition of video file `source` to `destination` (an .mp4 path).

    H.264 High yuv420p at constant quality `crf` (libx264 `preset`), upright and scaled with
    `fit_within` of the upright size, AAC-LC `audio_bitrate` (ffmpeg syntax, "128k" = 128 kb/s),
    at most stereo, when the source has audio; MP4 with +faststart; chapters and tags kept.
    `info`: the source's VideoInfo (probed when None); `timeout`: seconds ffmpeg may run (default
    `rendition_timeout` of the duration); `progress`: called with a fraction 0.0-1.0 of the video
    written, about twice a second.

    Returns the VideoInfo of the written rendition. Raises ToolMissing, ToolTimeout,
    VideoUndecodable (ffmpeg failed, or nothing came out), VideoTruncated (decoded duration short of
    the declared one). On failure `destination` may hold a partial file, which the caller discards.
    """
    info = info or probe(source, ffprobe=ffprobe)
    width, height = fit_within(info.display_width, info.display_height)
    args = [ffmpeg_cmd, "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1", "-y",
            "-i", str(source), "-map", "0:V:0", "-map", "0:a:0?", "-map_chapters", "0", "-map_metadata", "0",
            "-vf", f"scale={width}:{height},setsar=1,format=yuv420p",
            "-c:v", VIDEO_CODEC, "-profile:v", VIDEO_PROFILE, "-preset", preset, "-crf", str(crf),
            "-c:a", "aac", "-b:a", audio_bitrate, "-ac", str(min(info.channels or 2, AUDIO_MAX_CHANNELS)),
            "-movflags", "+faststart", "-f", "mp4", str(destination)]
    if not info.has_audio:
        args[args.index("-c:a"):args.index("-movflags")] = ["-an"]
    on_seconds = None
    if progress is not None and info.duration:
        def on_seconds(seconds):
            progress(min(1.0, seconds / info.duration))
    audio.run_with_progress(args, ffmpeg_cmd, source,
                            timeout if timeout is not None else rendition_timeout(info.duration),
                            on_seconds, undecodable=VideoUndecodable)
    if not os.path.exists(destination) or os.path.getsize(destination) == 0:
        raise VideoUndecodable(detail="không có khung hình nào được giải mã")
    try:
        rendition = probe(destination, ffprobe=ffprobe)
    except VideoUndecodable as error:
        raise VideoUndecodable(detail="không có khung hình nào được giải mã") from error
    check_complete(info.duration, rendition.video_duration or rendition.duration)
    return rendition


def check_complete(declared, decoded):
    """Raise VideoTruncated when `decoded` seconds fall short of `declared` seconds by more than
    max(audio.TRUNCATION_TOLERANCE_SECONDS, audio.TRUNCATION_TOLERANCE_RATIO of it); nothing is
    checked when the file declares no duration."""
    if not declared:
        return
    tolerance = max(audio.TRUNCATION_TOLERANCE_SECONDS, declared * audio.TRUNCATION_TOLERANCE_RATIO)
    if (decoded or 0) < declared - tolerance:
        raise VideoTruncated(decoded=float(decoded or 0), declared=float(declared))


def poster_time(duration):
    """Seconds into a video of `duration` seconds (None: unknown) where its poster frame is taken:
    POSTER_POSITION of the duration, or POSTER_FALLBACK_SECONDS when the duration is unknown."""
    if not duration:
        return POSTER_FALLBACK_SECONDS
    return round(duration * POSTER_POSITION, 3)


def make_poster(source, destination, *, info=None, ffmpeg_cmd="ffmpeg", ffprobe="ffprobe",
                timeout=PROBE_TIMEOUT):
    """Write the poster of video file `source` to `destination` (a .jpg path): one upright JPEG
    frame at `poster_time` of the duration, scaled like the rendition (`fit_within`).

    `info`: the source's VideoInfo (probed when None). Returns (width, height) in pixels.
    Raises ToolMissing, ToolTimeout, VideoUndecodable (no frame could be decoded there).
    """
    info = info or probe(source, ffprobe=ffprobe)
    width, height = fit_within(info.display_width, info.display_height)
    args = [ffmpeg_cmd, "-nostdin", "-loglevel", "error", "-y", "-ss", f"{poster_time(info.duration):.3f}",
            "-i", str(source), "-map", "0:V:0", "-frames:v", "1",
            "-vf", f"scale={width}:{height},setsar=1", "-q:v", str(POSTER_QUALITY), "-f", "image2",
            str(destination)]
    try:
        completed = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise ToolMissing(tool=ffmpeg_cmd) from error
    except subprocess.TimeoutExpired as error:
        raise ToolTimeout(tool=ffmpeg_cmd, seconds=float(timeout)) from error
    if completed.returncode != 0:
        raise VideoUndecodable(detail=tool_detail(completed.stderr, source, empty=audio.NONZERO_EXIT))
    if not os.path.exists(destination) or os.path.getsize(destination) == 0:
        raise VideoUndecodable(detail="không lấy được khung hình làm ảnh đại diện")
    return width, height
