"""Video lessons with the real ffmpeg on the fixtures: content sniffing of MP4/MOV/WebM/MKV, probe
(rotation, upright size, chapters), the H.264/AAC rendition (upright, at most 720p, +faststart) and
the poster; bad input (truncated, not video, missing tool)."""

import io
import json
import subprocess

import pytest
from PIL import Image

from media_pipeline import detect, video
from media_pipeline.errors import ContentMismatch, ToolMissing, VideoTruncated, VideoUndecodable

ROTATED = "video/internal_emulator_transformer_output_270_rotated.mp4"
MKV = "video/sample_with_chapters.mkv"
WEBM = "video/big_buck_bunny_0_30.webm"


def ffprobe_json(path):
    completed = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json",
         str(path)],
        capture_output=True, check=True, timeout=60,
    )
    return json.loads(completed.stdout)


def top_level_boxes(path):
    """Types of the top-level ISO BMFF boxes of `path`, in file order."""
    with open(path, "rb") as fileobj:
        return [box_type.decode("latin-1") for box_type, _payload, _end in detect._boxes(fileobj, 0, None)]


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("relative, fmt", [
    (ROTATED, detect.MP4_VIDEO), (MKV, detect.MKV), (WEBM, detect.WEBM),
    ("audio/chapters_test.m4b", detect.MP4_AUDIO),
])
def test_sniff_tells_video_containers_from_audio(fixture_path, relative, fmt):
    path = fixture_path(relative)
    assert detect.sniff_path(path) == fmt
    with open(path, "rb") as fileobj:
        assert detect.detect(fileobj, path.name) == fmt
    expected_kind = "audio" if fmt == detect.MP4_AUDIO else "video"
    assert detect.kind_of(fmt) == expected_kind


def test_quicktime_brand_is_mov_and_mp4_video_may_be_named_mov(fixture_path):
    data = bytearray(fixture_path(ROTATED).read_bytes())
    assert detect.detect(io.BytesIO(bytes(data)), "quay_bang_dien_thoai.mov") == detect.MP4_VIDEO
    data[8:12] = b"qt  "
    assert detect.detect(io.BytesIO(bytes(data)), "quay_bang_dien_thoai.mov") == detect.MOV
    with pytest.raises(ContentMismatch) as info:
        detect.detect(io.BytesIO(bytes(data)), "bai_giang.pdf")
    assert info.value.params == {"detected": "MOV", "extension": "pdf"}


def test_mp4_cut_before_its_moov_is_told_by_its_name(fixture_path):
    # The rotated recording keeps its moov at the end: cut short, its tracks cannot be read.
    head = fixture_path(ROTATED).read_bytes()[:200_000]
    assert detect.detect(io.BytesIO(head), "bai_giang.mp4") == detect.MP4_VIDEO
    assert detect.detect(io.BytesIO(head), "sach_noi.m4a") == detect.MP4_AUDIO


# --- probe -------------------------------------------------------------------------------------


def test_probe_rotated_phone_recording(fixture_path):
    info = video.probe(fixture_path(ROTATED))
    assert (info.width, info.height) == (1280, 720)
    assert info.rotation in (90, 270)
    assert (info.display_width, info.display_height) == (720, 1280)
    assert info.video_codec == "h264" and info.audio_codec == "aac" and info.has_audio
    assert info.duration == pytest.approx(4.97, abs=0.05)
    assert info.frame_rate == pytest.approx(29.97, abs=0.01)
    assert info.chapters == []


def test_probe_reads_matroska_chapters(fixture_path):
    info = video.probe(fixture_path(MKV))
    assert info.pixel_format == "yuv444p"
    assert info.chapters == [
        {"title": "Chapter 1", "start": 0.0, "end": 1.999},
        {"title": "Chapter 2", "start": 2.0, "end": 4.999},
    ]


def test_rotation_from_display_matrix_or_rotate_tag():
    matrix = {"side_data_type": "Display Matrix", "rotation": 90}
    assert video.rotation_of({"side_data_list": [matrix]}) == 270
    assert video.rotation_of({"side_data_list": [{"rotation": -90}]}) == 90
    assert video.rotation_of({"tags": {"rotate": "180"}}) == 180
    assert video.rotation_of({}) == 0


@pytest.mark.parametrize("size, fitted", [
    ((1920, 1080), (1280, 720)), ((1080, 1920), (720, 1280)), ((720, 1280), (720, 1280)),
    ((320, 240), (320, 240)), ((3840, 2160), (1280, 720)), ((1440, 1080), (960, 720)),
    ((321, 241), (320, 240)),
])
def test_fit_within_720p_keeps_aspect_and_even_sizes(size, fitted):
    assert video.fit_within(*size) == fitted


# --- rendition and poster ----------------------------------------------------------------------


def test_rotated_recording_gives_upright_720p_h264_aac_faststart(fixture_path, tmp_path):
    source = fixture_path(ROTATED)
    assert top_level_boxes(source).index("moov") > top_level_boxes(source).index("mdat")  # the awkward case
    destination = tmp_path / "rendition.mp4"
    seen = []
    rendition = video.make_rendition(source, destination, progress=seen.append)

    data = ffprobe_json(destination)
    streams = {s["codec_type"]: s for s in data["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
    assert streams["audio"]["codec_name"] == "aac" and streams["audio"]["profile"] == "LC"
    # Upright: portrait pixels, no display matrix and no rotate tag left for a player to apply again.
    assert (streams["video"]["width"], streams["video"]["height"]) == (720, 1280)
    assert not any("rotation" in side for side in streams["video"].get("side_data_list", []))
    assert "rotate" not in streams["video"].get("tags", {})
    assert (rendition.width, rendition.height, rendition.rotation) == (720, 1280, 0)
    boxes = top_level_boxes(destination)
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart
    assert rendition.duration == pytest.approx(4.97, abs=0.15)
    assert seen and seen == sorted(seen) and 0 <= seen[0] and seen[-1] <= 1.0


def test_rendition_of_mkv_is_browser_playable_and_keeps_chapters(fixture_path, tmp_path):
    rendition = video.make_rendition(fixture_path(MKV), tmp_path / "r.mp4")
    assert (rendition.width, rendition.height) == (320, 240)  # never enlarged
    assert rendition.pixel_format == "yuv420p"  # the source's yuv444p plays in no browser
    assert [chapter["title"] for chapter in rendition.chapters] == ["Chapter 1", "Chapter 2"]


def test_large_landscape_video_is_scaled_to_720p(fixture_path, tmp_path):
    rendition = video.make_rendition(fixture_path(WEBM), tmp_path / "r.mp4",
                                     info=_first_seconds(fixture_path(WEBM), tmp_path, 2))
    assert (rendition.width, rendition.height) == (1280, 720)


def _first_seconds(path, tmp_path, seconds):
    """The VideoInfo of the first `seconds` of `path` cut into a new file (a cheap source)."""
    short = tmp_path / "short.webm"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), "-t", str(seconds), "-c", "copy",
                    str(short)], check=True, timeout=60)
    info = video.probe(short)
    info.duration = None  # nothing to check the full source's decoded length against
    return info


def test_poster_is_an_upright_jpeg_at_a_tenth_of_the_duration(fixture_path, tmp_path):
    destination = tmp_path / "poster.jpg"
    assert video.make_poster(fixture_path(ROTATED), destination) == (720, 1280)
    with Image.open(destination) as image:
        assert image.format == "JPEG"
        assert image.size == (720, 1280)
    assert video.poster_time(30.0) == 3.0
    assert video.poster_time(None) == video.POSTER_FALLBACK_SECONDS


# --- bad input ---------------------------------------------------------------------------------


def test_mp4_cut_before_its_moov_fails_with_the_reason(fixture_path, tmp_path):
    broken = tmp_path / "bi_cat.mp4"
    broken.write_bytes(fixture_path(ROTATED).read_bytes()[:1_000_000])
    with pytest.raises(VideoUndecodable) as info:
        video.probe(broken)
    assert "bi_cat.mp4: Invalid data found when processing input" in str(info.value)
    assert str(tmp_path) not in str(info.value)  # the server's directories stay out of messages


def test_truncated_matroska_fails_as_truncated(fixture_path, tmp_path):
    data = fixture_path(MKV).read_bytes()
    broken = tmp_path / "bi_cat.mkv"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoTruncated) as info:
        video.make_rendition(broken, tmp_path / "r.mp4")
    assert info.value.params["declared"] == pytest.approx(5.02, abs=0.05)
    assert info.value.params["decoded"] < 4.0
    assert "bị cắt cụt" in str(info.value)


def test_audio_file_is_not_video(fixture_path):
    with pytest.raises(VideoUndecodable) as info:
        video.probe(fixture_path("audio/jfk.flac"))
    assert "không có luồng video" in str(info.value)


def test_missing_tools_are_named(fixture_path, tmp_path):
    with pytest.raises(ToolMissing):
        video.probe(fixture_path(MKV), ffprobe="/nonexistent/ffprobe")
    info = video.probe(fixture_path(MKV))
    with pytest.raises(ToolMissing):
        video.make_rendition(fixture_path(MKV), tmp_path / "r.mp4", info=info,
                             ffmpeg_cmd="/nonexistent/ffmpeg")
    with pytest.raises(ToolMissing):
        video.make_poster(fixture_path(MKV), tmp_path / "p.jpg", info=info, ffmpeg_cmd="/nonexistent/ffmpeg")
