"""Stream, thumbnail and original-document views, their access checks, and the public material pages."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from repository.models import DerivativeKind, ProcessingStatus
from tests.helpers import drop_derivative, set_derivative

AUDIO = "audio/sach_noi_espeak_vi.mp3"
RENDITION = "audio/chapters_test.m4b"
PDF = "pdf/issue-33-lorem-ipsum.pdf"


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 12), (11, 110, 79)).save(buffer, "PNG")
    return buffer.getvalue()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def without_rendition(page):
    """Drop any rendition the media pipeline may have made, so the view must fall back to the original."""
    drop_derivative(page.file, DerivativeKind.AUDIO_RENDITION)
    return page


def with_thumbnail(page):
    set_derivative(page.file, DerivativeKind.THUMBNAIL, png_bytes(), "thumb.png")
    return page


def stream_url(page):
    return reverse("material_stream", kwargs={"page_id": page.pk})


def thumbnail_url(page):
    return reverse("material_thumbnail", kwargs={"page_id": page.pk})


def document_url(page):
    return page.file.url


URL_OF = {"stream": stream_url, "thumbnail": thumbnail_url, "document": document_url}


# --- the stream -------------------------------------------------------------------------------


def test_stream_falls_back_to_the_original_with_ranges(client, make_material, fixture_path):
    page = without_rendition(make_material(AUDIO, material_type="audiobook"))
    data = fixture_path(AUDIO).read_bytes()

    full = client.get(stream_url(page))
    assert full.status_code == 200
    assert full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "audio/mpeg"
    assert body(full) == data

    part = client.get(stream_url(page), headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1123/{len(data)}"
    assert body(part) == data[100:1124]

    tail = client.get(stream_url(page), headers={"Range": "bytes=-10"})
    assert body(tail) == data[-10:]

    beyond = client.get(stream_url(page), headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(data)}"

    head = client.head(stream_url(page))
    assert head.status_code == 200 and int(head["Content-Length"]) == len(data)
    assert "private" not in head.get("Cache-Control", "")


def test_stream_prefers_the_rendition(client, make_material, fixture_path):
    page = make_material(AUDIO, material_type="audiobook")
    rendition = fixture_path(RENDITION).read_bytes()
    set_derivative(page.file, DerivativeKind.AUDIO_RENDITION, rendition, "stream.m4a")

    response = client.get(stream_url(page), headers={"Range": "bytes=0-4095"})
    assert response.status_code == 206
    assert response["Content-Type"] == "audio/mp4"
    assert response["Content-Range"] == f"bytes 0-4095/{len(rendition)}"
    assert body(response) == rendition[:4096]


def test_stream_of_a_material_without_audio_is_404(client, make_material):
    page = without_rendition(make_material(PDF))
    assert client.get(stream_url(page)).status_code == 404
    assert client.get(reverse("material_stream", kwargs={"page_id": 999999})).status_code == 404


def test_stream_refuses_post(client, make_material):
    page = make_material(AUDIO, material_type="audiobook")
    assert client.post(stream_url(page)).status_code == 405


def test_thumbnail_served_and_404_without_one(client, make_material):
    page = with_thumbnail(make_material(PDF))
    response = client.get(thumbnail_url(page))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response) == page.file.thumbnail.open("rb").read()

    drop_derivative(page.file, DerivativeKind.THUMBNAIL)
    assert client.get(thumbnail_url(page)).status_code == 404


# --- access: every way out --------------------------------------------------------------------


def prepared(kind, page):
    if kind == "thumbnail":
        with_thumbnail(page)
    return page


@pytest.mark.parametrize("kind", ["stream", "thumbnail", "document"])
@pytest.mark.parametrize(
    "access_level, publish, who, allowed",
    [
        ("school", True, None, False),
        ("school", True, "student_b", False),
        ("school", True, "student_outsider", False),
        ("school", True, "student", True),
        ("group", True, "student_outsider", False),
        ("group", True, None, False),
        ("group", True, "student_b", True),
        ("public", False, None, False),
        ("public", False, "student", False),
        ("public", False, "student_b", False),
        ("public", False, "teacher2", True),
        ("public", False, "librarian", True),
        ("public", True, None, True),
    ],
)
def test_every_way_out_respects_access(client, school, make_material, kind, access_level, publish, who,
                                       allowed):
    source, material_type = (PDF, "lesson_plan") if kind == "document" else (AUDIO, "audiobook")
    page = prepared(kind, make_material(source, material_type=material_type, access_level=access_level,
                                        publish=publish))
    if who:
        client.force_login(school[who])
    response = client.get(URL_OF[kind](page))
    if allowed:
        assert response.status_code == 200, response
        served = {
            "thumbnail": page.file.thumbnail,
            "stream": page.file.stream_rendition or page.file.file,
            "document": page.file.file,
        }[kind]
        with served.open("rb") as handle:
            assert body(response) == handle.read()
    elif who is None and publish:
        # Signing in may open a published school- or group-level material: send them to log in.
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        # A draft, or a material the reader's school may not see: the same 404 as a missing one.
        assert response.status_code == 404
        # Nothing but the address the reader typed names the material.
        assert page.title not in response.content.decode().replace(URL_OF[kind](page), "")


def test_document_of_a_draft_is_refused_even_to_a_student_of_the_library(client, school, make_material,
                                                                          fixture_path):
    page = make_material(PDF, access_level="public", publish=False)
    client.force_login(school["student"])
    assert client.get(page.file.url).status_code == 404
    client.force_login(school["teacher"])  # the uploader
    assert body(client.get(page.file.url)) == fixture_path(PDF).read_bytes()


def test_non_public_media_is_marked_private(client, school, make_material):
    page = with_thumbnail(make_material(AUDIO, material_type="audiobook", access_level="school"))
    client.force_login(school["student"])
    for url in (stream_url(page), thumbnail_url(page)):
        response = client.get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"]


def test_media_url_is_not_served(client, make_material):
    page = make_material(PDF, access_level="public")
    from django.conf import settings

    assert client.get(settings.MEDIA_URL + page.file.file.name).status_code == 404


# --- the public pages -------------------------------------------------------------------------


def test_audiobook_page_has_player_chapters_and_speed(client, make_material):
    page = make_material(AUDIO, material_type="audiobook", rights="CC-BY-4.0")
    page.file.chapters = [
        {"title": "Mở đầu", "start": 0, "end": 12.5},
        {"title": "Chương một", "start": 12.5, "end": 40},
    ]
    page.file.duration_seconds = 3725.2
    page.file.save(update_fields=["chapters", "duration_seconds"])

    html = client.get(page.url).content.decode()
    assert f'<audio controls preload="metadata" src="{stream_url(page)}"' in html
    assert 'data-start="12.5" data-end="40.0"' in html
    assert "Chương một" in html
    for rate in ("0.75", "1", "1.25", "1.5", "2"):
        assert f'<option value="{rate}"' in html
    assert "cms/player.js" in html
    assert "1:02:05" in html  # duration
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in html


def test_material_page_shows_metadata_and_links(client, make_material):
    page = with_thumbnail(make_material(PDF, lesson="Bài 3. Phân số", school_year="2025-2026", semester=1,
                                        textbook_series="kntt", summary="Tóm tắt bài học"))
    page.keywords.add("phân số")
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    page_one = reverse("material_page_preview", kwargs={"page_id": page.pk, "number": 1})
    for text in ("Bài 3. Phân số", "2025-2026", "Học kì I", "Kết nối tri thức", "Tóm tắt bài học", "phân số",
                 "Công khai", page.file.url, page_one):
        assert text in html, text
    assert "<audio" not in html


def failed_material(make_material):
    page = make_material(PDF, access_level="public")
    page.file.processing_status = ProcessingStatus.FAILED
    page.file.processing_error = "pdfplumber: trang 3 hỏng"
    page.file.save(update_fields=["processing_status", "processing_error"])
    return page


@pytest.mark.parametrize(
    "who, sees",
    [("teacher", True), ("librarian", True), ("teacher2", True), ("student", False), ("student_b", False),
     ("reviewer_b", False), (None, False)],
)
def test_processing_error_only_for_owner_and_staff(client, school, make_material, who, sees):
    page = failed_material(make_material)
    if who:
        client.force_login(school[who])
    html = client.get(page.url).content.decode()
    assert ("pdfplumber: trang 3 hỏng" in html) is sees


def test_processing_error_for_superuser(client, django_user_model, make_material):
    page = failed_material(make_material)
    client.force_login(django_user_model.objects.create_superuser("admin", "a@example.org", "pw"))
    assert "pdfplumber: trang 3 hỏng" in client.get(page.url).content.decode()


def test_material_page_links_marc_when_the_url_exists(client, make_material):
    page = make_material(PDF)
    html = client.get(page.url).content.decode()
    assert reverse("material_marc", kwargs={"page_id": page.pk, "fmt": "mrc"}) in html
    assert reverse("material_marc", kwargs={"page_id": page.pk, "fmt": "xml"}) in html
