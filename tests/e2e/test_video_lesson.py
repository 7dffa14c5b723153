"""A student on a phone plays a video lesson: the H.264 rendition loads with range requests, the
captions track shows its cues, a chapter button seeks."""

import pytest

from repository.models import DerivativeKind
from tests.helpers import set_derivative

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nXin chào các em\n"


def test_student_plays_video_lesson_with_captions_and_chapters(live_server, phone, school, make_material):
    lesson = make_material("video/sample_with_chapters.mkv", title="Video bài giảng: Bảng màu",
                           material_type="video", access_level="school")
    assert lesson.file.video_rendition is not None, lesson.file.processing_error
    set_derivative(lesson.file, DerivativeKind.TRANSCRIPT, VTT.encode(), "captions.vtt")

    login(phone, live_server, "hocsinh")
    phone.goto(f"{live_server.url}{lesson.url}")
    phone.wait_for_selector("video[data-player-video]")
    # The browser decodes the rendition (the MKV's yuv444p would not play) and knows its duration.
    phone.wait_for_function("document.querySelector('video').readyState >= 1", timeout=20000)
    assert phone.evaluate("document.querySelector('video').videoWidth") == 320
    # The captions track loads and is shown.
    phone.wait_for_function(
        "(() => { const t = document.querySelector('video').textTracks[0];"
        " return t && t.mode === 'showing' && t.cues && t.cues.length === 1; })()", timeout=20000)
    assert phone.evaluate("document.querySelector('video').textTracks[0].cues[0].text") == "Xin chào các em"

    phone.locator("[data-player-chapters] button").nth(1).click()
    phone.wait_for_function("Math.abs(document.querySelector('video').currentTime - 2.0) < 0.5",
                            timeout=10000)
    assert phone.locator("[data-player-chapters] button").nth(1).get_attribute("aria-current") == "true"
