"""A student on a phone plays an audiobook: the captions track loads and the cue being spoken shows
under the player while it plays (an <audio> element draws no captions itself; cms/static/cms/player.js
shows the active cue)."""

import pytest

from repository.models import DerivativeKind
from tests.helpers import set_derivative

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VTT = ("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nChương một.\nXin chào các em\n\n"
       "00:00:02.000 --> 00:00:30.000\nHôm nay chúng ta đọc sách\n")


def test_student_sees_the_spoken_cue_under_the_audiobook_player(live_server, phone, school, make_material):
    book = make_material("audio/sach_noi_espeak_vi.mp3", title="Sách nói: Chương một",
                         material_type="audiobook", access_level="school")
    assert book.file.stream_rendition is not None, book.file.processing_error
    set_derivative(book.file, DerivativeKind.TRANSCRIPT, VTT.encode(), "captions.vtt",
                   metadata={"full_text": "Xin chào các em", "language": "vi"})

    login(phone, live_server, "hocsinh")
    phone.goto(f"{live_server.url}{book.url}")
    phone.wait_for_selector("audio[data-player-audio] track[srclang=vi]", state="attached")
    captions = phone.locator("[data-player-captions]")
    assert captions.inner_text() == ""
    phone.wait_for_function(
        "(() => { const t = document.querySelector('audio').textTracks[0];"
        " return t && t.cues && t.cues.length === 2; })()", timeout=20000)
    phone.evaluate("document.querySelector('audio').play()")
    phone.wait_for_function(
        "document.querySelector('[data-player-captions]').textContent.includes('Xin chào các em')",
        timeout=20000)
    assert captions.is_visible()
    assert captions.inner_text() == "Chương một.\nXin chào các em"
    # Later in the book, the next cue replaces it.
    phone.evaluate("document.querySelector('audio').currentTime = 3")
    phone.wait_for_function(
        "document.querySelector('[data-player-captions]').textContent === 'Hôm nay chúng ta đọc sách'",
        timeout=20000)
