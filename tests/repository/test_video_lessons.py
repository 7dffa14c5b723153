"""Video lessons through the pipeline and the public site (issue 7, items 3 and 4): MP4/WebM/MOV/MKV
accepted, the H.264/AAC rendition, poster, chapters and duration recorded, the <video> player with
captions and chapters, range requests on the rendition under the material's access rules."""

import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html
from wagtail.documents.forms import get_document_form
from wagtail.models import Collection

from media_pipeline import detect, speech
from repository import pipeline
from repository.importing import check_file
from repository.models import DerivativeKind, DerivativeStatus, MaterialFile
from repository.models.materials import ProcessingStatus
from tests.helpers import set_derivative
from tests.media_pipeline.test_chapters import tones_with_silences

pytestmark = pytest.mark.django_db

ROTATED = "video/internal_emulator_transformer_output_270_rotated.mp4"
MKV = "video/sample_with_chapters.mkv"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nXin chào các em\n"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def derivatives_of(material_file):
    return {d.kind: d for d in pipeline.current_derivatives(material_file)}


@pytest.fixture
def mkv_lesson(make_material):
    return make_material(MKV, material_type="video", title="Video bài giảng: Bảng màu")


def test_rotated_phone_recording_is_processed(make_material):
    page = make_material(ROTATED, material_type="video", access_level="school")
    material_file = page.file
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert material_file.media_kind == "video" and material_file.is_video
    assert material_file.duration_seconds == pytest.approx(4.97, abs=0.05)
    assert material_file.audio_codec == "aac"
    derivatives = derivatives_of(material_file)
    assert {DerivativeKind.PROBE, DerivativeKind.VIDEO_RENDITION, DerivativeKind.POSTER,
            DerivativeKind.CHAPTERS} == set(derivatives)
    assert all(d.status == DerivativeStatus.DONE for d in derivatives.values())
    probe = derivatives[DerivativeKind.PROBE].metadata
    assert (probe["format"], probe["width"], probe["height"]) == ("mp4", 720, 1280)
    assert probe["rotation"] in (90, 270)
    rendition = derivatives[DerivativeKind.VIDEO_RENDITION].metadata
    assert (rendition["width"], rendition["height"], rendition["video_codec"], rendition["audio_codec"]) == (
        720, 1280, "h264", "aac")
    assert material_file.video_rendition.name.endswith(".mp4")
    assert material_file.poster.name.endswith(".jpg")
    assert derivatives[DerivativeKind.CHAPTERS].metadata == {"chapters": [], "source": "none"}
    assert page.is_video_lesson


def test_mkv_chapters_land_on_the_file_and_the_player(client, mkv_lesson):
    material_file = mkv_lesson.file
    assert material_file.chapters == [
        {"title": "Chapter 1", "start": 0.0, "end": 1.999},
        {"title": "Chapter 2", "start": 2.0, "end": 4.999},
    ]
    assert derivatives_of(material_file)[DerivativeKind.CHAPTERS].metadata["source"] == "embedded"
    set_derivative(material_file, DerivativeKind.TRANSCRIPT, VTT.encode(), "captions.vtt",
                   metadata={"full_text": "Xin chào các em"})

    response = client.get(mkv_lesson.url)
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    [player] = tree.xpath("//video[@data-player-video]")
    assert player.get("src") == reverse("material_video", kwargs={"page_id": mkv_lesson.pk})
    assert player.get("poster") == reverse("material_poster", kwargs={"page_id": mkv_lesson.pk})
    [track] = player.xpath("./track")
    assert track.get("kind") == "captions" and track.get("srclang") == "vi"
    assert track.get("src") == reverse("material_captions", kwargs={"page_id": mkv_lesson.pk})
    starts = tree.xpath("//ol[@data-player-chapters]//button/@data-start")
    assert starts == ["0.0", "2.0"]
    assert tree.xpath("//ol[@data-player-chapters]//span[@class='chapter-title']/text()") == [
        "Chapter 1", "Chapter 2"]
    assert not tree.xpath("//audio")

    captions = client.get(track.get("src"))
    assert captions.status_code == 200 and body(captions).decode() == VTT


def test_rendition_answers_range_requests(client, mkv_lesson):
    url = reverse("material_video", kwargs={"page_id": mkv_lesson.pk})
    with mkv_lesson.file.video_rendition.open("rb") as fileobj:
        data = fileobj.read()
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4"
    assert whole["Accept-Ranges"] == "bytes" and body(whole) == data
    part = client.get(url, headers={"Range": "bytes=1000-4999"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-4999/{len(data)}"
    assert body(part) == data[1000:5000]
    tail = client.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and body(tail) == data[-100:]
    assert client.get(url, headers={"Range": f"bytes={len(data)}-"}).status_code == 416
    poster = client.get(reverse("material_poster", kwargs={"page_id": mkv_lesson.pk}))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    assert body(poster)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("who, allowed", [
    (None, False), ("student_outsider", False), ("student_b", False), ("student", True),
])
def test_school_only_video_is_refused_to_outsiders(client, school, make_material, who, allowed):
    page = make_material(MKV, material_type="video", access_level="school")
    if who:
        client.force_login(school[who])
    for name in ("material_video", "material_poster"):
        url = reverse(name, kwargs={"page_id": page.pk})
        response = client.get(url, headers={"Range": "bytes=0-99"})
        if allowed:
            assert response.status_code == 206, name
            assert "private" in response["Cache-Control"]
        elif who is None:
            assert response.status_code == 302 and "login" in response["Location"], name
        else:
            assert response.status_code == 404, name
            assert not response.streaming


def test_draft_video_is_refused_to_a_reader_of_its_school(client, school, make_material):
    page = make_material(MKV, material_type="video", publish=False)
    client.force_login(school["student"])
    assert client.get(reverse("material_video", kwargs={"page_id": page.pk})).status_code == 404
    assert client.get(reverse("material_poster", kwargs={"page_id": page.pk})).status_code == 404


def test_before_the_rendition_the_page_says_so_and_the_url_is_404(client, mkv_lesson):
    for kind in (DerivativeKind.VIDEO_RENDITION, DerivativeKind.POSTER):
        pipeline.current_derivatives(mkv_lesson.file).filter(kind=kind).delete()
    assert client.get(reverse("material_video", kwargs={"page_id": mkv_lesson.pk})).status_code == 404
    tree = html.fromstring(client.get(mkv_lesson.url).content.decode())
    assert not tree.xpath("//video") and tree.xpath("//*[@data-video-pending]")


def test_broken_video_fails_with_its_reason(make_material, fixture_path, tmp_path, settings):
    data = fixture_path(ROTATED).read_bytes()
    fixtures = tmp_path / "fixtures"
    (fixtures / "video").mkdir(parents=True)
    (fixtures / "video" / "bi_cat.mp4").write_bytes(data[:1_000_000])  # cut before its moov
    page = make_material(str(fixtures / "video" / "bi_cat.mp4"), material_type="video")
    material_file = page.file
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert material_file.media_kind == "video"
    assert "Không giải mã được video" in material_file.processing_error
    assert "Invalid data found" in material_file.processing_error
    probe = derivatives_of(material_file)[DerivativeKind.PROBE]
    assert probe.error_code == "video_undecodable" and probe.permanent
    assert material_file.file.storage.open(material_file.file.name).read() == data[:1_000_000]  # kept


@pytest.mark.parametrize("relative", [ROTATED, MKV, "video/big_buck_bunny_0_30.webm"])
def test_upload_form_and_import_accept_video(school, fixture_path, relative):
    path = fixture_path(relative)
    admin = get_user_model().objects.create_superuser("root", password="pw")
    data = {"title": path.stem, "collection": Collection.get_first_root_node().pk, "tags": ""}
    form = get_document_form(MaterialFile)(data, {"file": SimpleUploadedFile(path.name, path.read_bytes())},
                                           user=admin)
    assert form.is_valid(), form.errors
    check_file(path, school["a"])  # raises SkipFile when refused


def test_transcript_is_planned_for_video_when_transcription_is_on(settings):
    settings.HOCLIEU_WHISPER_MODEL_PATH = ""
    assert DerivativeKind.TRANSCRIPT not in pipeline.kinds_for_format(detect.MKV)
    settings.HOCLIEU_WHISPER_MODEL_PATH = settings.WHISPER_TEST_MODEL_PATH
    for fmt in detect.VIDEO_FORMATS:
        assert pipeline.kinds_for_format(fmt) == [
            DerivativeKind.VIDEO_RENDITION, DerivativeKind.POSTER, DerivativeKind.CHAPTERS,
            DerivativeKind.TRANSCRIPT]


def test_long_audio_without_chapters_is_cut_at_its_silences(make_material, tmp_path, monkeypatch):
    # Only the probe and the chapters: the loudness-normalised rendition of ten minutes costs a minute.
    monkeypatch.setattr(pipeline, "AUDIO_KINDS", [DerivativeKind.CHAPTERS])
    path = tmp_path / "audio" / "sach_noi_ba_phan.mp3"
    path.parent.mkdir()
    duration = tones_with_silences(path)
    page = make_material(str(path), material_type="audiobook")
    material_file = page.file
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert derivatives_of(material_file)[DerivativeKind.CHAPTERS].metadata["source"] == "silence"
    assert [c["title"] for c in material_file.chapters] == ["Phần 1", "Phần 2", "Phần 3"]
    assert material_file.chapters[-1]["end"] == pytest.approx(duration, abs=0.5)


def test_silent_video_gets_an_empty_transcript(make_material, tmp_path, settings):
    """A video with no sound track: no speech model runs; the transcript is header-only WebVTT."""
    path = tmp_path / "video" / "khong_tieng.mp4"
    path.parent.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=10:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(path)], check=True, timeout=60)
    settings.HOCLIEU_WHISPER_MODEL_PATH = "/nonexistent/whisper"  # would fail if it were loaded
    page = make_material(str(path), material_type="video")
    material_file = page.file
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    transcript = derivatives_of(material_file)[DerivativeKind.TRANSCRIPT]
    assert transcript.metadata["no_audio"] is True and transcript.metadata["full_text"] == ""
    assert material_file.transcript_vtt.open("rb").read() == b"WEBVTT\n"


def test_video_sound_is_transcribed(make_material, tmp_path, settings):
    """The transcript kind reads a video's sound track (speech.decode_chunk ignores the picture)."""
    speech.check_model(settings.WHISPER_TEST_MODEL_PATH)  # make install puts it there; fail if not
    settings.HOCLIEU_WHISPER_MODEL_PATH = settings.WHISPER_TEST_MODEL_PATH
    assert shutil.which("espeak-ng"), "espeak-ng is required (make system-deps)"
    voice, path = tmp_path / "loi_chao.wav", tmp_path / "video" / "loi_chao.mp4"
    path.parent.mkdir()
    words = "Xin chào các em. Hôm nay chúng ta học về thư viện."
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", words, "-w", str(voice)], check=True, timeout=60)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10",
                    "-i", str(voice), "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(path)], check=True, timeout=60)
    page = make_material(str(path), material_type="video")
    material_file = page.file
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    cues = speech.parse_webvtt(material_file.transcript_vtt.open("rb").read().decode())
    assert cues
    assert "xin chào các em" in material_file.full_text.lower()
