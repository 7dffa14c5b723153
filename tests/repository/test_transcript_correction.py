"""Correcting a transcript in the admin (issue 7, item 2): the corrected WebVTT replaces the machine
one for the captions track and search, is marked as corrected, and reprocessing never overwrites it.

The machine transcript is set with tests.helpers.set_derivative (Whisper itself is tested in
test_transcript.py); transcription is off in these tests.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from haystack import connections

from repository import pipeline
from repository.models import Derivative, DerivativeKind, TranscriptCorrection
from repository.search.query import search_materials
from repository.transcripts import TranscriptInvalid, save_correction
from tests.helpers import set_derivative

pytestmark = pytest.mark.django_db

MACHINE = ("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsin chào các em\n\n"
           "00:00:02.000 --> 00:00:04.000\nhọc bài thơ\n")
CORRECTED = ("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nXin chào các em.\n\n"
             "00:00:02.000 --> 00:00:04.000\nHọc bài thơ Quê hương.\n")


@pytest.fixture
def audiobook(make_material):
    page = make_material("audio/spk1_snt1.wav", material_type="audiobook", title="Bài đọc mẫu")
    set_derivative(page.file, DerivativeKind.TRANSCRIPT, MACHINE.encode(), name="machine.vtt",
                   metadata={"full_text": "sin chào các em\nhọc bài thơ", "cue_count": 2})
    return page


def correct_url(page):
    return reverse("hoclieu_transcript_correct", args=[page.file.pk])


def test_librarian_corrects_the_transcript_in_the_admin(client, school, audiobook,
                                                        django_capture_on_commit_callbacks):
    client.force_login(school["librarian"])
    form = client.get(correct_url(audiobook))
    assert form.status_code == 200
    assert "sin chào các em" in form.content.decode()  # the machine text, to correct
    assert 'data-transcript-state="machine"' in form.content.decode()

    connections["default"].get_backend().clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(correct_url(audiobook), {"captions": CORRECTED.replace("\n", "\r\n")})
    assert response.status_code == 302
    correction = TranscriptCorrection.objects.get(material_file=audiobook.file)
    assert correction.corrected_by == school["librarian"]
    assert correction.input_sha256 == audiobook.file.sha256 and correction.cue_count == 2

    # The captions track now sends the corrected WebVTT (line ends normalised), marked as corrected.
    captions = client.get(reverse("material_captions", kwargs={"page_id": audiobook.pk}))
    assert b"".join(captions.streaming_content).decode() == CORRECTED
    page_html = client.get(audiobook.url).content.decode()
    assert "Phụ đề tiếng Việt (đã hiệu đính)" in page_html

    # Search finds the corrected words, and no longer the machine's mistake.
    assert [int(hit.pk) for hit in search_materials(AnonymousUser(), "Quê hương", {})] == [audiobook.pk]
    assert not [hit for hit in search_materials(AnonymousUser(), "sin", {})]

    # The edit view's processing panel marks the transcript as corrected and links to the editor.
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[audiobook.pk])).content.decode()
    assert "data-transcript-corrected" in edit and correct_url(audiobook) in edit


def test_reprocessing_never_overwrites_a_correction(audiobook, school):
    save_correction(audiobook.file, CORRECTED, school["librarian"])
    pipeline.reprocess([audiobook.file], kind=DerivativeKind.TRANSCRIPT)
    # A new machine transcript of the same bytes is made (transcription is off here, so done with
    # nothing); what readers get is still the correction.
    set_derivative(audiobook.file, DerivativeKind.TRANSCRIPT, MACHINE.encode(), name="again.vtt",
                   metadata={"full_text": "sin chào các em"})
    audiobook.file.refresh_from_db()
    assert audiobook.file.transcript_vtt.read().decode() == CORRECTED
    assert "Quê hương" in audiobook.file.full_text
    assert Derivative.objects.filter(material_file=audiobook.file, kind=DerivativeKind.TRANSCRIPT).exists()


def test_a_new_original_is_not_covered_by_the_old_correction(audiobook, school):
    save_correction(audiobook.file, CORRECTED, school["librarian"])
    audiobook.file.sha256 = "0" * 64  # other bytes
    audiobook.file.save(update_fields=["sha256"])
    audiobook.file.refresh_from_db()
    assert audiobook.file.transcript_correction is None


@pytest.mark.parametrize("bad, reason", [
    ("00:00:00.000 --> 00:00:02.000\nXin chào\n", "WEBVTT"),
    ("WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nXin chào\n", "line 3"),
    ("WEBVTT\n\nXin chào\n", "line 3"),
])
def test_a_bad_webvtt_is_refused_with_its_reason_and_nothing_is_lost(client, school, audiobook, bad, reason):
    client.force_login(school["librarian"])
    response = client.post(correct_url(audiobook), {"captions": bad})
    assert response.status_code == 200
    assert "data-transcript-error" in response.content.decode() and reason in response.content.decode()
    assert not TranscriptCorrection.objects.exists()
    with pytest.raises(TranscriptInvalid):
        save_correction(audiobook.file, bad, school["librarian"])
    assert audiobook.file.transcript_vtt.read().decode() == MACHINE


@pytest.mark.parametrize("who", ["student", "reviewer", "reviewer_b", "student_outsider"])
def test_others_cannot_correct_a_transcript(client, school, audiobook, who):
    client.force_login(school[who])
    assert client.get(correct_url(audiobook)).status_code in (302, 404)
    assert client.post(correct_url(audiobook), {"captions": CORRECTED}).status_code in (302, 404)
    assert not TranscriptCorrection.objects.exists()


def test_anonymous_is_sent_to_login(client, audiobook):
    response = client.post(correct_url(audiobook), {"captions": CORRECTED})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not TranscriptCorrection.objects.exists()


def test_a_pdf_has_no_transcript_to_correct(client, school, make_material):
    page = make_material("pdf/scotus-transcript-p1.pdf")
    client.force_login(school["librarian"])
    assert client.get(reverse("hoclieu_transcript_correct", args=[page.file.pk])).status_code == 404
