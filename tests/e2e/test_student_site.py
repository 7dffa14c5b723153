"""A student on a phone: finds an audiobook by searching without diacritics, plays it, seeks by chapter."""

import pytest

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_student_searches_and_streams_audiobook_by_chapter(live_server, phone, school, make_material):
    book = make_material("audio/auphonic_chapter_marks_demo.mp3", title="Sách nói: Chương trình mẫu",
                         material_type="audiobook", subject="tieng-anh", access_level="school")
    assert len(book.file.chapters) == 9, book.file.processing_error
    chapter_3_start = book.file.chapters[2]["start"]

    login(phone, live_server, "hocsinh")
    phone.goto(f"{live_server.url}/search/?q=sach+noi")
    phone.click("text=Sách nói: Chương trình mẫu")
    phone.wait_for_selector("audio[data-player-audio]")
    assert phone.locator("[data-player-chapters] button").count() == 9

    # The browser loads the stream with range requests; wait until it knows the duration.
    phone.wait_for_function("document.querySelector('audio').readyState >= 1", timeout=20000)
    phone.locator("[data-player-chapters] button").nth(2).click()
    phone.wait_for_function(
        f"Math.abs(document.querySelector('audio').currentTime - {chapter_3_start}) < 1", timeout=10000
    )
    assert phone.locator("[data-player-chapters] button").nth(2).get_attribute("aria-current") == "true"

    phone.select_option("select[data-player-speed]", "1.5")
    assert phone.evaluate("document.querySelector('audio').playbackRate") == 1.5

    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_outsider_student_cannot_open_school_audiobook(live_server, phone, school, make_material):
    book = make_material("audio/id3_frames.mp3", title="Sách nói nội bộ", material_type="audiobook",
                         access_level="school")
    login(phone, live_server, "hocsinh_xa")
    response = phone.goto(f"{live_server.url}{book.url}")
    assert response.status == 404  # as if it did not exist: nothing tells an outsider it is there
    assert "Sách nói nội bộ" not in phone.content()
    stream = phone.request.get(f"{live_server.url}/materials/{book.pk}/stream/")
    assert stream.status == 404
    phone.goto(f"{live_server.url}/search/?q=noi+bo")
    assert phone.locator("text=Sách nói nội bộ").count() == 0
