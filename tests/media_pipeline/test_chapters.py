"""Chapters: those the file declares, else parts cut at the long silences of a file over ten minutes
(ffmpeg silencedetect, real ffmpeg on generated tones and silences)."""

import subprocess

import pytest
from django.utils import translation

from media_pipeline import chapters
from media_pipeline.errors import AudioUndecodable, ToolMissing

TONE_SECONDS = 200
GAP_SECONDS = 4


def tones_with_silences(path, tones=3, tone_seconds=TONE_SECONDS, gap_seconds=GAP_SECONDS):
    """Write to `path` (an .mp3) `tones` sine tones of `tone_seconds` separated by silences of
    `gap_seconds`; 8 kHz mono, cheap to make and to scan. Returns its duration in seconds."""
    inputs, labels = [], []
    for index in range(tones):
        tone = f"sine=frequency={330 + 110 * index}:sample_rate=8000:duration={tone_seconds}"
        inputs += ["-f", "lavfi", "-i", tone]
        labels.append(f"[{len(labels)}]")
        if index < tones - 1:
            inputs += ["-f", "lavfi", "-i", f"anullsrc=r=8000:cl=mono:d={gap_seconds}"]
            labels.append(f"[{len(labels)}]")
    graph = "".join(labels) + f"concat=n={len(labels)}:v=0:a=1"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-ac", "1",
                    "-c:a", "libmp3lame", "-b:a", "16k", str(path)], check=True, timeout=120)
    return tones * tone_seconds + (tones - 1) * gap_seconds


@pytest.fixture(scope="module")
def long_audio(tmp_path_factory):
    path = tmp_path_factory.mktemp("chapters") / "ba_phan.mp3"
    return path, tones_with_silences(path)


def test_silences_of_a_long_file_become_parts(long_audio):
    path, duration = long_audio
    assert duration > chapters.MIN_DURATION_SECONDS
    silences = chapters.detect_silences(path)
    assert len(silences) == 2
    for (start, end), expected in zip(silences, (200, 404), strict=True):
        assert start == pytest.approx(expected, abs=0.3)
        assert end - start == pytest.approx(GAP_SECONDS, abs=0.3)

    seen = []
    with translation.override("vi"):
        found, source = chapters.find_chapters(path, embedded=[], duration=duration, progress=seen.append)
    assert source == chapters.SOURCE_SILENCE
    assert [chapter["title"] for chapter in found] == ["Phần 1", "Phần 2", "Phần 3"]
    assert found[0]["start"] == 0.0 and found[-1]["end"] == duration
    assert found[1]["start"] == pytest.approx(202, abs=0.3)
    assert found[2]["start"] == pytest.approx(406, abs=0.3)
    for previous, following in zip(found, found[1:], strict=False):
        assert previous["end"] == following["start"]
    assert seen and seen[-1] <= 1.0


def test_declared_chapters_win_and_short_files_are_not_cut(long_audio):
    path, duration = long_audio
    declared = [{"title": "Mở đầu", "start": 0.0, "end": 10.0}]
    assert chapters.find_chapters(path, embedded=declared, duration=duration) == (declared, "embedded")
    # At most ten minutes: no silence detection at all (a missing ffmpeg would not even be noticed).
    assert chapters.find_chapters(path, embedded=[], duration=600.0, ffmpeg_cmd="/nonexistent/ffmpeg") == (
        [], chapters.SOURCE_NONE)
    assert chapters.find_chapters(path, embedded=[], duration=duration, has_audio=False) == ([], "none")
    with pytest.raises(ToolMissing):
        chapters.find_chapters(path, embedded=[], duration=duration, ffmpeg_cmd="/nonexistent/ffmpeg")


def test_parts_shorter_than_the_minimum_are_merged():
    silences = [(30.0, 33.0), (200.0, 204.0), (250.0, 253.0), (700.0, None)]
    found = chapters.chapters_from_silences(silences, 720.0, min_part_seconds=60)
    # 31.5 leaves a 31.5 s first part and 251.5 a 49.5 s one: both dropped; the last runs to the end.
    assert [(c["start"], c["end"]) for c in found] == [(0.0, 202.0), (202.0, 720.0)]
    assert chapters.chapters_from_silences([(0.0, 5.0)], 720.0) == []


def test_file_without_audio_fails_clearly(fixture_path):
    with pytest.raises(AudioUndecodable):
        chapters.detect_silences(fixture_path("pdf/issue-33-lorem-ipsum.pdf"))
