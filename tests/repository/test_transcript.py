"""Speech to text (issue 7, item 2): the transcript derivative of audio, its WebVTT captions and search.

The model is Whisper base that `make install` assembles into var/whisper-base
(settings.WHISPER_TEST_MODEL_PATH); speech is made with espeak-ng. Both are required: a test fails,
it does not skip, when either is missing. Transcription is off in the other tests (cms.settings.test).
"""

import io
import shutil
import subprocess

import pytest
import webvtt
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from haystack import connections

from media_pipeline import speech
from repository import pipeline
from repository.models import Derivative, DerivativeKind, DerivativeStatus
from repository.models.materials import ProcessingStatus
from repository.search.query import search_materials
from tests.helpers import set_derivative

pytestmark = pytest.mark.django_db

SPOKEN = ("Xin chào các em. Hôm nay chúng ta học bài thơ về mùa xuân. "
          "Thư viện trường có nhiều sách hay cho học sinh đọc mỗi ngày.")


@pytest.fixture
def audio_fixture(tmp_path):
    """audio_fixture(name, command) -> path: run `command` + [path] to write audio into tmp_path."""
    def _make(name, args):
        path = tmp_path / name
        subprocess.run([*args, str(path)], check=True, timeout=60, capture_output=True)
        return str(path)
    return _make


def espeak(path_maker):
    assert shutil.which("espeak-ng"), "espeak-ng is required (make system-deps)"
    return path_maker("loi_chao.wav", ["espeak-ng", "-v", "vi", "-s", "150", SPOKEN, "-w"])


def assert_valid_captions(vtt):
    """Strict checks of a WebVTT file (ours and webvtt-py's parser) and of the cue limits."""
    assert vtt.startswith("WEBVTT\n\n")
    cues = speech.parse_webvtt(vtt)
    parsed = webvtt.from_buffer(io.StringIO(vtt))
    assert len(parsed.captions) == len(cues)
    previous_end = 0.0
    for cue in cues:
        assert 0 < cue.end - cue.start <= speech.MAX_CUE_SECONDS + 0.001
        assert cue.start >= previous_end - 0.001
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= 2 and all(line.strip() for line in lines)
        assert all(len(line) <= speech.MAX_LINE_CHARS for line in lines)
        previous_end = cue.end
    return cues


def test_spoken_audio_gets_captions_and_searchable_text(client, whisper, make_material, audio_fixture,
                                                        django_capture_on_commit_callbacks):
    connections["default"].get_backend().clear()
    with django_capture_on_commit_callbacks(execute=True):  # the search index is written on commit
        page = make_material(espeak(audio_fixture), material_type="audiobook", title="Bài đọc")
    page.file.refresh_from_db()
    derivative = Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT)
    assert derivative.status == DerivativeStatus.DONE and derivative.progress == 100
    assert page.file.processing_status == ProcessingStatus.DONE
    vtt = page.file.transcript_vtt.read().decode("utf-8")
    cues = assert_valid_captions(vtt)
    assert len(cues) >= 2  # about 10 s of speech: more than one cue of at most 7 s
    assert "xin chào" in page.file.full_text.lower()
    assert derivative.metadata["language"] == "vi" and derivative.metadata["cue_count"] == len(cues)
    assert page.pk in {int(hit.pk) for hit in search_materials(AnonymousUser(), "xin chào", {})}

    response = client.get(reverse("material_captions", kwargs={"page_id": page.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert b"".join(response.streaming_content).decode("utf-8") == vtt
    html = client.get(page.url).content.decode()
    assert '<track kind="captions" srclang="vi"' in html
    assert reverse("material_captions", kwargs={"page_id": page.pk}) in html


def test_silent_track_gives_an_empty_transcript_and_runs_once(whisper, make_material, audio_fixture):
    silent = audio_fixture("im_lang.wav", ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                                           "anullsrc=r=16000:cl=mono", "-t", "4"])
    page = make_material(silent, material_type="audiobook")
    derivative = Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT)
    assert derivative.status == DerivativeStatus.DONE
    assert derivative.metadata["full_text"] == "" and derivative.metadata["cue_count"] == 0
    assert page.file.transcript_vtt.read().decode("utf-8") == "WEBVTT\n"
    assert page.file.processing_status == ProcessingStatus.DONE

    # Running it again (a second task, or a reprocessing) leaves one transcript.
    assert pipeline.process_derivative(page.file.pk, DerivativeKind.TRANSCRIPT) == DerivativeStatus.DONE
    pipeline.reprocess([page.file], kind=DerivativeKind.TRANSCRIPT)
    assert Derivative.objects.filter(material_file=page.file, kind=DerivativeKind.TRANSCRIPT).count() == 1
    assert Derivative.objects.get(pk=derivative.pk).status == DerivativeStatus.DONE


def test_audio_with_no_speech_gives_no_invented_words(whisper, make_material, audio_fixture):
    """A tone over pink noise (a recorder left running, a music bed): no speech, so no cue, where
    Whisper alone would invent phrases."""
    noise = audio_fixture("tieng_on.wav", ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                                           "sine=frequency=440:duration=5", "-f", "lavfi", "-i",
                                           "anoisesrc=d=5:c=pink:a=0.1", "-filter_complex", "amix=inputs=2",
                                           "-ac", "1", "-ar", "16000"])
    page = make_material(noise, material_type="audiobook")
    derivative = Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT)
    assert derivative.status == DerivativeStatus.DONE, derivative.error
    assert derivative.metadata["full_text"] == "" and derivative.metadata["cue_count"] == 0
    assert page.file.transcript_vtt.read().decode("utf-8") == "WEBVTT\n"
    assert page.file.processing_status == ProcessingStatus.DONE


@pytest.mark.parametrize("who, status", [("student_outsider", 404), ("student_b", 404), ("student", 200),
                                          (None, 302)])
def test_captions_respect_access(client, school, make_material, who, status):
    page = make_material("audio/spk1_snt1.wav", material_type="audiobook", access_level="school")
    vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nXin chào\n"
    set_derivative(page.file, DerivativeKind.TRANSCRIPT, vtt.encode(),
                   name="spk1_snt1.vtt", metadata={"full_text": "Xin chào"})
    if who:
        client.force_login(school[who])
    response = client.get(reverse("material_captions", kwargs={"page_id": page.pk}))
    assert response.status_code == status
    if status == 404:
        assert page.title not in response.content.decode()


def test_captions_404_without_a_transcript(client, make_material):
    page = make_material("audio/spk1_snt1.wav", material_type="audiobook")
    assert client.get(reverse("material_captions", kwargs={"page_id": page.pk})).status_code == 404
    assert "<track" not in client.get(page.url).content.decode()


def test_long_segments_are_cut_into_short_two_line_cues():
    words = "một hai ba bốn năm sáu bảy tám chín mười <b> & --> ".split() * 12
    text = " ".join(words)
    without_words = [{"start": 1.0, "end": 31.0, "text": text, "words": []}]
    timed = [{"start": 40.0, "end": 70.0, "text": text,
              "words": [{"start": 40.0 + i * 0.25, "end": 40.2 + i * 0.25, "word": f" {w}"}
                        for i, w in enumerate(words)]}]
    for segments in (without_words, timed):
        cues = speech.make_cues(segments)
        vtt = speech.to_webvtt(cues)
        assert "<b>" not in vtt and "&lt;b&gt; &amp; --&gt;" in vtt
        parsed = assert_valid_captions(vtt)
        assert " ".join(cue.text.replace("\n", " ") for cue in parsed) == text
