"""The transcript language, an option of the material (issue 7, item 2): Vietnamese by default,
English, or detected by Whisper; it is part of the transcript's parameters (a change makes the
transcript again, never touching a librarian's correction) and the captions track's srclang.

The real-model tests use Whisper base from `make install` (settings.WHISPER_TEST_MODEL_PATH) and
espeak-ng, as tests/repository/test_transcript.py does; both are required.
"""

import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from media_pipeline import speech
from repository import pipeline
from repository.models import Derivative, DerivativeKind, DerivativeStatus, MaterialPage
from repository.models.derivatives import params_version
from repository.transcripts import save_correction
from tests.helpers import set_derivative

pytestmark = pytest.mark.django_db

ENGLISH = "Hello children. Welcome to the school library. Today we will read a short story together."


@pytest.fixture
def english_speech(tmp_path):
    assert shutil.which("espeak-ng"), "espeak-ng is required (make system-deps)"
    path = tmp_path / "english.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", ENGLISH, "-w", str(path)], check=True, timeout=60,
                   capture_output=True)
    return str(path)


def publish_with(page, **fields):
    """Change `fields` of `page` in a new revision and publish it, as the admin's editor does."""
    page = MaterialPage.objects.get(pk=page.pk)
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision(user=page.owner).publish()
    page.refresh_from_db()
    page.file.refresh_from_db()
    return page


def edit_form(page, action="action-publish", **extra):
    data = {
        "title": page.title, "slug": page.slug, "material_type": page.material_type,
        "creators": page.creators, "subject": page.subject, "grade": str(page.grade or ""),
        "language": page.language, "file": str(page.file_id), "rights": page.rights,
        "access_level": page.access_level, "comments": inline_formset([]), action: "1", **extra,
    }
    return nested_form_data(data)


def test_the_option_is_vietnamese_by_default_and_saved_from_the_edit_form(client, school, make_material):
    page = make_material("audio/spk1_snt1.wav", material_type="audiobook")
    assert page.transcript_language == "vi"
    client.force_login(school["librarian"])
    editor = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'name="transcript_language"' in editor and 'value="auto"' in editor
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]),
                           edit_form(page, transcript_language="auto"))
    assert response.status_code == 302
    assert MaterialPage.objects.get(pk=page.pk).transcript_language == "auto"
    # A submission without the field keeps the material's choice.
    client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), edit_form(page))
    assert MaterialPage.objects.get(pk=page.pk).transcript_language == "auto"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]),
                           edit_form(page, transcript_language="fr"))
    assert response.status_code == 200  # not a choice: the form again
    assert MaterialPage.objects.get(pk=page.pk).transcript_language == "auto"


@pytest.mark.parametrize("choice, passed", [("vi", "vi"), ("en", "en"), ("auto", None)])
def test_the_pipeline_passes_the_material_language(settings, make_material, monkeypatch, choice, passed,
                                                   django_capture_on_commit_callbacks):
    settings.HOCLIEU_WHISPER_MODEL_PATH = "/srv/models/whisper-base"  # transcribe is replaced below
    calls = []

    def fake_transcribe(path, *, language, **kwargs):
        calls.append(language)
        return speech.Transcript(cues=[], text="", vtt="WEBVTT\n", language=language or "en",
                                 language_probability=1.0 if language else 0.9, duration=2.9, seconds=0.1,
                                 device="cpu", compute_type="int8", chunks=1)

    monkeypatch.setattr(speech, "transcribe", fake_transcribe)
    with django_capture_on_commit_callbacks(execute=True):
        page = make_material("audio/spk1_snt1.wav", material_type="audiobook", transcript_language=choice)
    # The file alone (before its material) is transcribed in the site's language; the material's
    # own choice, when another, makes it again.
    assert calls == (["vi"] if passed == "vi" else ["vi", passed])
    transcript = Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT)
    assert transcript.status == DerivativeStatus.DONE
    assert transcript.metadata["language_requested"] == choice
    assert transcript.metadata["language"] == (passed or "en")


def test_auto_detects_english_and_a_new_choice_transcribes_again_keeping_the_correction(
        whisper, make_material, english_speech, school, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_material(english_speech, material_type="audiobook", transcript_language="auto")
    first = Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT)
    assert first.status == DerivativeStatus.DONE, first.error
    assert first.metadata["language_requested"] == "auto"
    assert first.metadata["language"] == "en" and first.metadata["language_probability"] > 0.5
    assert "library" in first.metadata["full_text"].lower()
    html = client.get(page.url).content.decode()
    assert '<track kind="captions" srclang="en" label="Phụ đề tiếng Anh (máy chép lời)"' in html

    correction = save_correction(
        page.file, "WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nHello children, welcome!\n", school["librarian"])
    old_version = first.params_version

    # Vietnamese imposed: the parameters change, publishing makes the transcript again in Vietnamese.
    with django_capture_on_commit_callbacks(execute=True):
        page = publish_with(page, transcript_language="vi")
    assert params_version(DerivativeKind.TRANSCRIPT, page.file) != old_version
    second = Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT)
    assert second.pk != first.pk and second.status == DerivativeStatus.DONE
    assert second.metadata["language_requested"] == "vi" and second.metadata["language"] == "vi"
    # The librarian's correction is untouched and still the captions and the text.
    assert page.file.transcript_correction == correction
    assert page.file.transcript_vtt.name == correction.captions.name
    assert page.file.full_text == "Hello children, welcome!"

    # Publishing again with the same choice transcribes nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        publish_with(page, title="Bài nghe tiếng Anh")
    assert Derivative.objects.get(material_file=page.file, kind=DerivativeKind.TRANSCRIPT).pk == second.pk


def test_reprocessing_follows_the_language_without_a_new_upload(settings, make_material, monkeypatch):
    """With transcription off at publish, the new parameters wait for `reprocess_media`."""
    page = make_material("audio/spk1_snt1.wav", material_type="audiobook")
    set_derivative(page.file, DerivativeKind.TRANSCRIPT, b"WEBVTT\n", "spk1_snt1.vtt",
                   metadata={"full_text": "", "language": "vi"})
    assert page.file.transcript_vtt is not None
    page = publish_with(page, transcript_language="en")
    assert page.file.transcript_vtt is None  # the Vietnamese transcript is not the English one
    settings.HOCLIEU_WHISPER_MODEL_PATH = "/srv/models/whisper-base"
    monkeypatch.setattr(speech, "transcribe", lambda path, *, language, **kwargs: speech.Transcript(
        cues=[], text="", vtt="WEBVTT\n", language=language, language_probability=1.0, duration=2.9,
        seconds=0.1, device="cpu", compute_type="int8", chunks=1))
    assert pipeline.reprocess([page.file], kind=DerivativeKind.TRANSCRIPT) == 1
    page.file.refresh_from_db()
    assert page.file.current_derivative(DerivativeKind.TRANSCRIPT).metadata["language"] == "en"


def test_batch_import_sets_the_language_and_publishing_keeps_it(school, fixture_path,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_materials", str(fixture_path("audio/spk1_snt1.wav")), "--library", "THCS-ND",
                     "--type", "audiobook", "--publish", "--transcript-language", "en", stdout=StringIO(),
                     stderr=StringIO())
    page = MaterialPage.objects.get()
    assert page.live  # published from its revision once processed: the choice is in the revision too
    assert page.transcript_language == "en"
    assert page.get_latest_revision().content["transcript_language"] == "en"
