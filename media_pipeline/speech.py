"""Speech to text: a transcript (WebVTT captions and plain text) of an audio file, with faster-whisper.

The model is a Whisper model in CTranslate2's format (a directory with ``model.bin``,
``config.json``, ``tokenizer.json``, ``vocabulary.txt``), loaded once per process and kept
(`load_model`). It runs with CUDA when CTranslate2 sees a GPU (float16), otherwise on the CPU with
int8 weights. Vietnamese by default (``language="vi"``); ``language=None`` lets Whisper detect it.
Silero voice activity detection (``vad_filter``) skips silence, so a silent track gives no cue
instead of the phrases Whisper invents on silence.

Long files are done in chunks of `CHUNK_SECONDS`: ffmpeg decodes each chunk to 16 kHz mono float32
(run through `subprocess` with a time limit), so memory stays bounded whatever the duration; the
segments of a chunk are shifted by the chunk's start. A word cut by a chunk boundary may be lost or
misheard (one word every ten minutes). faster-whisper yields segments lazily with their end times;
`progress(fraction)` is called after each with (chunk start + segment end) / duration.

Cues (`make_cues`) last at most `MAX_CUE_SECONDS` and hold at most `MAX_LINES` lines of
`MAX_LINE_CHARS` characters: a segment is cut at word boundaries using Whisper's word timestamps,
or, when a segment has none, at times spread evenly over its characters. `to_webvtt` writes them as
the WebVTT spec (W3C, 2019) defines: a "WEBVTT" header line, a blank line, then cues of
"HH:MM:SS.mmm --> HH:MM:SS.mmm" and their text, blank lines between; ``&``, ``<`` and ``>`` of the
text escaped. `parse_webvtt` reads such a file back strictly (for tests and corrected transcripts).
"""

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field

from .errors import AudioUndecodable, SpeechModelMissing, ToolMissing, ToolTimeout, tool_detail

SAMPLE_RATE = 16000
CHUNK_SECONDS = 600.0
MAX_CUE_SECONDS = 7.0
MAX_LINES = 2
MAX_LINE_CHARS = 42
DEFAULT_LANGUAGE = "vi"
# Files a CTranslate2 Whisper model directory must hold.
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")

_models = {}
_models_lock = threading.Lock()


@dataclass
class Cue:
    """One caption: `start` and `end` in seconds from the start of the file, `text` (str, may hold a
    line break between its two lines)."""

    start: float
    end: float
    text: str


@dataclass
class Transcript:
    """The result of `transcribe`. `cues`: list of Cue; `text`: the plain text (one line per Whisper
    segment; "" for a file with no speech); `vtt`: the WebVTT file (str); `language` the ISO 639-1
    code used or detected, with `language_probability` (0-1, 1.0 when imposed); `duration` and
    `seconds` (wall-clock time of the work) in seconds; `device` "cpu" or "cuda", `compute_type`
    CTranslate2's ("int8", "float16"); `chunks` the number of chunks decoded."""

    cues: list[Cue]
    text: str
    vtt: str
    language: str
    language_probability: float
    duration: float
    seconds: float
    device: str
    compute_type: str
    chunks: int
    segments: list[dict] = field(default_factory=list)

    @property
    def real_time_factor(self):
        """Seconds of work per second of audio (0 for an empty file)."""
        return self.seconds / self.duration if self.duration else 0.0


def check_model(model_path):
    """Raise SpeechModelMissing unless `model_path` is a directory with every file of MODEL_FILES."""
    missing = [name for name in MODEL_FILES if not os.path.isfile(os.path.join(model_path or "", name))]
    if not model_path or missing:
        raise SpeechModelMissing(path=model_path or "-", files=", ".join(missing) or "-")


def default_device():
    """("cuda", "float16") when CTranslate2 sees a CUDA GPU, else ("cpu", "int8")."""
    import ctranslate2

    try:
        if ctranslate2.get_cuda_device_count() > 0:
            return "cuda", "float16"
    except Exception:  # a CTranslate2 built without CUDA, or a broken driver: the CPU will do
        pass
    return "cpu", "int8"


def load_model(model_path, device=None, compute_type=None, cpu_threads=0):
    """The faster_whisper.WhisperModel at `model_path` on `device` ("cpu", "cuda"; None: see
    `default_device`) with `compute_type`, loaded once per process and argument set (thread-safe).
    `cpu_threads` 0 lets CTranslate2 choose. Raises SpeechModelMissing for an incomplete directory."""
    check_model(model_path)
    if device is None:
        device, default_type = default_device()
        compute_type = compute_type or default_type
    compute_type = compute_type or ("float16" if device == "cuda" else "int8")
    key = (os.path.realpath(model_path), device, compute_type, cpu_threads)
    with _models_lock:
        if key not in _models:
            from faster_whisper import WhisperModel

            _models[key] = WhisperModel(model_path, device=device, compute_type=compute_type,
                                        cpu_threads=cpu_threads, local_files_only=True)
        return _models[key]


def decode_chunk(path, start, length, *, ffmpeg_cmd="ffmpeg", timeout=None):
    """Samples of `length` seconds of the audio at `path` from `start` seconds: a float32 numpy
    array at SAMPLE_RATE Hz, mono (empty past the end). Raises ToolMissing, ToolTimeout (past
    `timeout` seconds), AudioUndecodable when ffmpeg cannot decode the file."""
    import numpy

    args = [ffmpeg_cmd, "-nostdin", "-v", "error", "-ss", f"{start:.3f}", "-t", f"{length:.3f}",
            "-i", str(path), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"]
    try:
        completed = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as error:
        raise ToolMissing(tool=ffmpeg_cmd) from error
    except subprocess.TimeoutExpired as error:
        raise ToolTimeout(tool=ffmpeg_cmd, seconds=float(timeout)) from error
    if completed.returncode != 0:
        raise AudioUndecodable(detail=tool_detail(completed.stderr, path, empty="ffmpeg"))
    usable = len(completed.stdout) - len(completed.stdout) % 4
    return numpy.frombuffer(completed.stdout[:usable], dtype=numpy.float32)


def transcribe(path, *, model_path, language=DEFAULT_LANGUAGE, duration=None, device=None,
               compute_type=None, cpu_threads=0, ffmpeg_cmd="ffmpeg", timeout=None, progress=None,
               chunk_seconds=CHUNK_SECONDS):
    """Transcribe the audio (or video) file at `path` with the Whisper model at `model_path`.

    `language`: ISO 639-1 code ("vi") or None to detect it (on the first chunk, then kept).
    `duration`: the file's duration in seconds when known (for progress and the number of chunks);
    without it chunks are decoded until one comes back short. `timeout`: seconds the whole work may
    take (None: no limit), checked after each segment, and given to each ffmpeg run.
    `progress(fraction)`: called with 0-1 as segments come.

    Returns a Transcript. Raises SpeechModelMissing, ToolMissing, ToolTimeout, AudioUndecodable.
    """
    began = time.monotonic()
    model = load_model(model_path, device=device, compute_type=compute_type, cpu_threads=cpu_threads)
    deadline = began + timeout if timeout else None

    def time_left():
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise ToolTimeout(tool="faster-whisper", seconds=float(timeout))
        return left

    segments, chunks, decoded = [], 0, 0.0
    language_probability = 1.0 if language else 0.0
    start = 0.0
    while True:
        samples = decode_chunk(path, start, chunk_seconds, ffmpeg_cmd=ffmpeg_cmd, timeout=time_left())
        if not len(samples):
            break
        chunks += 1
        length = len(samples) / SAMPLE_RATE
        decoded = start + length
        pieces, info = model.transcribe(samples, language=language, word_timestamps=True, vad_filter=True,
                                        condition_on_previous_text=False)
        if language is None:
            language, language_probability = info.language, float(info.language_probability)
        for piece in pieces:
            words = [{"start": start + w.start, "end": start + w.end, "word": w.word}
                     for w in piece.words or []]
            segments.append({"start": start + piece.start, "end": start + piece.end,
                             "text": piece.text.strip(), "words": words})
            time_left()
            if progress is not None and (duration or decoded):
                progress(min(1.0, (start + piece.end) / (duration or decoded)))
        if length < chunk_seconds - 0.5 or (duration is not None and decoded >= duration - 0.05):
            break
        start += chunk_seconds
    segments = [segment for segment in segments if segment["text"]]
    cues = make_cues(segments)
    return Transcript(
        cues=cues, text="\n".join(segment["text"] for segment in segments), vtt=to_webvtt(cues),
        language=language or DEFAULT_LANGUAGE, language_probability=language_probability,
        duration=float(duration if duration is not None else decoded), seconds=time.monotonic() - began,
        device=getattr(model.model, "device", "cpu"), compute_type=getattr(model.model, "compute_type", ""),
        chunks=chunks,
        segments=segments,
    )


# --- cues ---------------------------------------------------------------------------------------


def _even_words(segment):
    """Words of a segment without word timestamps, their times spread over its characters."""
    tokens = segment["text"].split()
    total = sum(len(token) + 1 for token in tokens) or 1
    span = max(0.0, segment["end"] - segment["start"])
    words, done = [], 0
    for token in tokens:
        begin = segment["start"] + span * done / total
        done += len(token) + 1
        words.append({"start": begin, "end": segment["start"] + span * done / total, "word": token})
    return words


def wrap_lines(text, width=MAX_LINE_CHARS):
    """`text` (one line) broken at spaces into lines of at most `width` characters where it can be
    (a single longer word stays whole): a list of str."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _fits(text, max_lines, width):
    return len(wrap_lines(text, width)) <= max_lines


def make_cues(segments, max_seconds=MAX_CUE_SECONDS, max_lines=MAX_LINES, width=MAX_LINE_CHARS):
    """Cues from Whisper segments (dicts: "start", "end" in seconds, "text", "words": list of
    {"start", "end", "word"}, possibly empty). A cue gathers words while it stays within
    `max_seconds` and `max_lines` lines of `width` characters; its text holds its lines joined by a
    line break. Cues are in order, never overlap, and each lasts at least 1 ms and at most
    `max_seconds`. Returns a list of Cue."""
    cues = []
    for segment in segments:
        words = [w for w in (segment.get("words") or []) if w["word"].strip()] or _even_words(segment)
        current = []
        for word in words:
            candidate = " ".join(w["word"].strip() for w in [*current, word])
            if current and (word["end"] - current[0]["start"] > max_seconds
                            or not _fits(candidate, max_lines, width)):
                cues.append(_cue(current, cues, max_seconds, max_lines, width))
                current = []
            current.append(word)
        if current:
            cues.append(_cue(current, cues, max_seconds, max_lines, width))
    return cues


def _cue(words, previous, max_seconds, max_lines, width):
    start = max(words[0]["start"], previous[-1].end if previous else 0.0)
    end = min(max(words[-1]["end"], start + 0.001), start + max_seconds)
    text = " ".join(w["word"].strip() for w in words)
    lines = wrap_lines(text, width)
    if len(lines) > max_lines:  # one overlong word or more: keep everything, on two lines
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1:])]
    return Cue(round(start, 3), round(end, 3), "\n".join(lines))


# --- WebVTT -------------------------------------------------------------------------------------


def timestamp(seconds):
    """WebVTT timestamp of `seconds` (float, >= 0): "HH:MM:SS.mmm"."""
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def escape_cue_text(text):
    """Cue text with "&", "<" and ">" escaped (so no "-->" and no tag can appear)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(cues):
    """A WebVTT file (str, "\\n" line ends) of `cues` (Cue list); just the header for none."""
    blocks = ["WEBVTT"]
    for cue in cues:
        blocks.append(f"{timestamp(cue.start)} --> {timestamp(cue.end)}\n{escape_cue_text(cue.text)}")
    return "\n\n".join(blocks) + "\n"


_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING_RE = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+.*)?$")


def _seconds(hours, minutes, secs, millis):
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def parse_webvtt(text):
    """Read a WebVTT file (str) strictly: the "WEBVTT" signature (optionally a BOM, then a space or
    tab and a title), a blank line, then blocks separated by blank lines: NOTE/STYLE/REGION blocks
    are skipped; a cue is an optional identifier line, a timing line, and text lines (none
    containing "-->"). A cue's end must come after its start, and starts must not go back.
    Returns a list of Cue (text unescaped for &amp; &lt; &gt;). Raises ValueError naming the line."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise ValueError("line 1: the file must start with WEBVTT")
    blocks, block, first = [], [], None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "":
            if block:
                blocks.append((first, block))
                block = []
            continue
        if not block:
            first = number
            if len(blocks) == 0 and number == 2:
                raise ValueError("line 2: a blank line must follow the header")
        block.append(line)
    if block:
        blocks.append((first, block))
    cues, last_start = [], 0.0
    for first, block in blocks:
        header_block = re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", block[0])
        if header_block and (header_block.group(1) == "NOTE" or not cues):
            continue
        timing_at = 1 if len(block) > 1 and "-->" not in block[0] else 0
        match = _TIMING_RE.match(block[timing_at])
        if not match:
            raise ValueError(f"line {first + timing_at}: not a cue timing line: {block[timing_at]!r}")
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            raise ValueError(f"line {first + timing_at}: the cue ends before it starts")
        if start < last_start:
            raise ValueError(f"line {first + timing_at}: cues out of order")
        body = block[timing_at + 1:]
        for offset, line in enumerate(body, start=timing_at + 1):
            if "-->" in line:
                raise ValueError(f"line {first + offset}: '-->' in cue text")
        last_start = start
        cue_text = "\n".join(body).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(Cue(start, end, cue_text))
    return cues
