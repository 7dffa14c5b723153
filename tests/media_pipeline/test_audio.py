"""Audio probe, streaming rendition and truncation checks with the real ffmpeg on the fixtures."""

import subprocess

import pytest

from media_pipeline import audio
from media_pipeline.errors import AudioTruncated, AudioUndecodable, ToolMissing


def _ffprobe_duration(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return float(out)


def test_probe_flac(fixture_path):
    path = fixture_path("audio/jfk.flac")
    info = audio.probe(path)
    assert info.codec == "flac"
    assert info.duration == pytest.approx(_ffprobe_duration(path))
    assert info.sample_rate == 44100
    assert info.channels == 2
    assert info.bit_rate > 0
    assert info.chapters == []


def test_probe_m4b_chapters(fixture_path):
    info = audio.probe(fixture_path("audio/chapters_test.m4b"))
    assert info.codec == "aac"
    assert len(info.chapters) == 10
    starts = [chapter["start"] for chapter in info.chapters]
    assert starts == sorted(starts) and starts[0] == 0
    for previous, following in zip(info.chapters, info.chapters[1:], strict=False):
        assert previous["end"] == pytest.approx(following["start"], abs=0.01)
    assert info.chapters[-1]["end"] == pytest.approx(info.duration, abs=0.1)
    assert all(chapter["title"] for chapter in info.chapters)


def test_probe_mp3_id3_chapters(fixture_path):
    info = audio.probe(fixture_path("audio/auphonic_chapter_marks_demo.mp3"))
    assert info.codec == "mp3"
    assert len(info.chapters) == 9
    assert info.chapters[0] == {"title": "Intro", "start": 0.0, "end": 15.0}


def _rendition_streams(path):
    import ffmpeg

    data = ffmpeg.probe(str(path), show_chapters=None)
    stream = next(s for s in data["streams"] if s["codec_type"] == "audio")
    return data, stream


@pytest.mark.parametrize(
    "relative", ["audio/spk1_snt1.wav", "audio/jfk.flac", "audio/id3_frames.mp3", "audio/chapters_test.m4b"]
)
def test_rendition_is_aac_mono_64k_faststart(fixture_path, tmp_path, relative):
    source = fixture_path(relative)
    target = tmp_path / "stream.m4a"
    result = audio.process_audio(source, target)
    data, stream = _rendition_streams(target)
    assert stream["codec_name"] == "aac"
    assert stream["channels"] == 1
    assert int(stream["bit_rate"]) == pytest.approx(64000, rel=0.15)
    assert "mp4" in data["format"]["format_name"]
    assert result.duration == pytest.approx(_ffprobe_duration(source), abs=0.3)
    # +faststart: the movie box comes before the media data.
    head = target.read_bytes()
    assert head.find(b"moov") < head.find(b"mdat")


def test_rendition_keeps_m4b_chapters(fixture_path, tmp_path):
    target = tmp_path / "book.m4a"
    result = audio.process_audio(fixture_path("audio/chapters_test.m4b"), target)
    data, _ = _rendition_streams(target)
    assert len(data["chapters"]) == len(result.info.chapters) == 10
    assert [c["title"] for c in result.rendition_info.chapters] == [c["title"] for c in result.info.chapters]


def _integrated_loudness(path):
    """Integrated loudness (LUFS) of `path` measured by ffmpeg's ebur128 filter."""
    err = subprocess.run(
        ["ffmpeg", "-nostdin", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, text=True,
    ).stderr
    summary = err[err.rindex("Summary:"):]
    line = next(line for line in summary.splitlines() if line.strip().startswith("I:"))
    return float(line.split()[1])


def test_rendition_is_loudness_normalised(fixture_path, tmp_path):
    source = fixture_path("audio/jfk.flac")
    target = tmp_path / "jfk.m4a"
    audio.process_audio(source, target, loudness_lufs=-16.0)
    assert _integrated_loudness(target) == pytest.approx(-16.0, abs=2.0)
    target_quiet = tmp_path / "jfk_quiet.m4a"
    audio.process_audio(source, target_quiet, loudness_lufs=-23.0)
    assert _integrated_loudness(target_quiet) < _integrated_loudness(target) - 4


@pytest.mark.slow
def test_rendition_keeps_mp3_chapters(fixture_path, tmp_path):
    target = tmp_path / "auphonic.m4a"
    result = audio.process_audio(fixture_path("audio/auphonic_chapter_marks_demo.mp3"), target)
    assert [c["title"] for c in result.rendition_info.chapters] == [c["title"] for c in result.info.chapters]
    assert len(result.rendition_info.chapters) == 9


@pytest.mark.parametrize(
    ("relative", "declared"), [("broken/truncated_jfk.mp3", "11,0"), ("broken/truncated_jfk.flac", "11,0")]
)
def test_truncated_file_fails_with_both_durations(fixture_path, tmp_path, relative, declared):
    with pytest.raises(AudioTruncated) as info:
        audio.process_audio(fixture_path(relative), tmp_path / "out.m4a")
    error = info.value
    assert error.code == "audio_truncated"
    assert error.params["decoded"] < 0.5 * error.params["declared"]
    message = str(error)
    assert message.startswith("Tệp âm thanh bị cắt cụt: giải mã được ")
    assert f"trên {declared} s khai báo" in message


def test_mp3_without_audio_fails(fixture_path, tmp_path):
    with pytest.raises(AudioUndecodable) as info:
        audio.process_audio(fixture_path("broken/UTF16.mp3"), tmp_path / "out.m4a")
    assert info.value.code == "audio_undecodable"
    assert str(fixture_path("broken")) not in str(info.value)  # no server paths in the message


def test_pdf_is_not_audio(fixture_path):
    with pytest.raises(AudioUndecodable):
        audio.probe(fixture_path("pdf/issue-33-lorem-ipsum.pdf"))


def test_check_complete_tolerance():
    audio.check_complete(None, 1.0)
    audio.check_complete(11.05, 11.0)
    audio.check_complete(100.0, 98.5)
    with pytest.raises(AudioTruncated):
        audio.check_complete(100.0, 97.0)


def test_missing_tool_is_reported(fixture_path, tmp_path):
    with pytest.raises(ToolMissing) as info:
        audio.probe(fixture_path("audio/spk1_snt1.wav"), ffprobe="/nonexistent/ffprobe")
    assert "/nonexistent/ffprobe" in str(info.value)
