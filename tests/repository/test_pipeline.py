"""The media pipeline through MaterialFile and its task: recording, processing, failures, retry, admin.

Saving a MaterialFile queues its processing in transaction.on_commit; pytest-django's test
transaction never commits, so each save that should process runs inside
django_capture_on_commit_callbacks(execute=True) (the immediate task backend then runs it at once).
"""

import hashlib
import io
import tempfile

import ffmpeg
import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from repository.checks import check_media_tools
from repository.models import MaterialFile
from repository.models.materials import ProcessingStatus
from repository.pipeline import process_material_file, retry_processing


@pytest.fixture
def store(school, fixture_path, django_capture_on_commit_callbacks):
    """store(relative, name=None, owner=None) -> MaterialFile saved from a fixture and processed."""

    def _store(relative, name=None, owner=None):
        path = fixture_path(relative)
        material_file = MaterialFile(title=path.stem, uploaded_by_user=owner or school["teacher"])
        with django_capture_on_commit_callbacks(execute=True):
            material_file.file.save(name or path.name, ContentFile(path.read_bytes()), save=False)
            material_file.save()
        material_file.refresh_from_db()
        return material_file

    return _store


def stored_bytes(fieldfile):
    with fieldfile.storage.open(fieldfile.name, "rb") as fileobj:
        return fileobj.read()


# --- recording and processing ------------------------------------------------------------------


def test_pdf_is_recorded_and_processed(store, fixture_path):
    data = fixture_path("pdf/maint-guide.vi.pdf").read_bytes()
    material_file = store("pdf/maint-guide.vi.pdf")
    assert material_file.file_size == len(data)
    assert material_file.sha256 == hashlib.sha256(data).hexdigest()
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert material_file.processing_error == ""
    assert material_file.processing_attempts == 1
    assert material_file.processed_at is not None
    assert material_file.media_kind == "pdf"
    assert material_file.page_count == 64 == len(material_file.page_texts)
    assert "Bản quyền" in material_file.full_text
    image = Image.open(io.BytesIO(stored_bytes(material_file.thumbnail)))
    assert (image.format, image.width) == ("PNG", 400)
    assert material_file.thumbnail.name.startswith("derivatives/thumbnails/")
    assert stored_bytes(material_file.file) == data  # the original is untouched


def test_docx_and_pptx_are_processed(store):
    docx_file = store("office/test.docx")
    assert docx_file.processing_status == ProcessingStatus.DONE
    assert docx_file.media_kind == "docx"
    assert "python-docx was here!" in docx_file.full_text
    assert docx_file.page_count is None
    pptx_file = store("office/pptx-tbl-cell.pptx")
    assert pptx_file.processing_status == ProcessingStatus.DONE
    assert (pptx_file.media_kind, pptx_file.page_count, len(pptx_file.page_texts)) == ("pptx", 3, 3)
    assert "vert anchor is top" in pptx_file.full_text
    assert not pptx_file.thumbnail


def _probe_rendition(material_file):
    """ffprobe (with chapters) of the stored rendition, read back through the storage API."""
    with tempfile.NamedTemporaryFile(suffix=".m4a") as handle:
        handle.write(stored_bytes(material_file.stream_rendition))
        handle.flush()
        return ffmpeg.probe(handle.name, show_chapters=None)


def test_m4b_audiobook_gets_chapters_and_a_64k_mono_aac_rendition(store):
    material_file = store("audio/chapters_test.m4b")
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert material_file.media_kind == "audio" and material_file.is_audio
    assert material_file.audio_codec == "aac"
    assert (material_file.sample_rate, material_file.channels) == (32000, 1)
    assert material_file.duration_seconds == pytest.approx(25.15, abs=0.2)
    assert len(material_file.chapters) == 10
    assert set(material_file.chapters[0]) == {"title", "start", "end"}
    data = _probe_rendition(material_file)
    stream = next(s for s in data["streams"] if s["codec_type"] == "audio")
    assert (stream["codec_name"], stream["channels"]) == ("aac", 1)
    assert int(stream["bit_rate"]) == pytest.approx(64000, rel=0.15)
    assert len(data["chapters"]) == 10
    assert material_file.stream_rendition.name.startswith("derivatives/streams/")


@pytest.mark.slow
def test_mp3_with_id3_chapters(store):
    material_file = store("audio/auphonic_chapter_marks_demo.mp3")
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert len(material_file.chapters) == 9
    assert material_file.chapters[0] == {"title": "Intro", "start": 0.0, "end": 15.0}
    data = _probe_rendition(material_file)
    stream = next(s for s in data["streams"] if s["codec_type"] == "audio")
    assert (stream["codec_name"], stream["channels"]) == ("aac", 1)
    assert int(stream["bit_rate"]) == pytest.approx(64000, rel=0.15)
    assert len(data["chapters"]) == 9


def test_make_material_leads_to_a_processed_file(make_material, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_material("pdf/scotus-transcript-p1.pdf")
    page.file.refresh_from_db()
    assert page.file.processing_status == ProcessingStatus.DONE
    assert page.file.page_count == 1


def test_the_task_body_is_callable_directly(school, fixture_path):
    path = fixture_path("pdf/issue-33-lorem-ipsum.pdf")
    material_file = MaterialFile(title="x", uploaded_by_user=school["teacher"])
    material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    material_file.save()  # on_commit never fires here: nothing processed yet
    material_file.refresh_from_db()
    assert material_file.processing_status == ProcessingStatus.PENDING
    assert process_material_file(material_file.pk) == ProcessingStatus.DONE
    material_file.refresh_from_db()
    assert material_file.page_count == 2
    assert process_material_file(10**9) is None


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "expected_in_error"),
    [
        ("pdf/password-example.pdf", ["PDF bị mã hoá, cần mật khẩu"]),
        ("broken/invalid.pdf", ["PDF bị hỏng"]),
        ("broken/truncated_scotus-transcript-p1.pdf", ["PDF bị hỏng"]),
        ("broken/empty.pdf", ["Tệp rỗng"]),
        ("broken/slides_named_as.pdf", ["PPTX", ".pdf"]),
        ("broken/pdf_named_as.mp3", ["PDF", ".mp3"]),
        ("broken/truncated_jfk.mp3", ["bị cắt cụt", "trên 11,0 s khai báo"]),
        ("broken/truncated_jfk.flac", ["bị cắt cụt", "trên 11,0 s khai báo"]),
        ("broken/UTF16.mp3", ["Không giải mã được âm thanh"]),
    ],
)
def test_bad_file_fails_clearly_and_keeps_the_original(store, fixture_path, relative, expected_in_error):
    material_file = store(relative)
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert material_file.processing_failed
    for fragment in expected_in_error:
        assert fragment in material_file.processing_error
    assert material_file.processing_attempts == 1
    assert stored_bytes(material_file.file) == fixture_path(relative).read_bytes()
    assert not material_file.thumbnail and not material_file.stream_rendition
    assert material_file.full_text == "" and material_file.chapters == []


def test_truncated_audio_is_still_known_as_audio(store):
    material_file = store("broken/truncated_jfk.mp3")
    assert material_file.media_kind == "audio"
    assert "giải mã được 4," in material_file.processing_error


def test_a_failed_file_does_not_stop_the_batch(school, fixture_path, django_capture_on_commit_callbacks):
    names = ["pdf/scotus-transcript-p1.pdf", "broken/invalid.pdf", "office/test.pptx", "broken/empty.pdf",
             "office/test.docx"]
    files = []
    with django_capture_on_commit_callbacks(execute=True):  # one transaction for the whole batch
        for relative in names:
            path = fixture_path(relative)
            material_file = MaterialFile(title=path.stem, uploaded_by_user=school["librarian"])
            material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
            material_file.save()
            files.append(material_file)
    statuses = [MaterialFile.objects.get(pk=f.pk).processing_status for f in files]
    assert statuses == ["done", "failed", "done", "failed", "done"]


# --- what triggers processing ------------------------------------------------------------------


def test_metadata_change_does_not_reprocess(store, django_capture_on_commit_callbacks):
    material_file = store("pdf/scotus-transcript-p1.pdf")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        material_file.title = "Biên bản phiên toà"
        material_file.save()
        material_file.tags.add("luật")
    material_file.refresh_from_db()
    assert not [c for c in callbacks if "process" in repr(c) or "_enqueue" in repr(c)]
    assert material_file.processing_attempts == 1
    assert material_file.processing_status == ProcessingStatus.DONE


def test_new_file_replaces_results(store, fixture_path, django_capture_on_commit_callbacks):
    material_file = store("pdf/maint-guide.vi.pdf")
    old_thumbnail = material_file.thumbnail.name
    storage = material_file.thumbnail.storage
    assert storage.exists(old_thumbnail)
    new = fixture_path("pdf/issue-33-lorem-ipsum.pdf").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        material_file.file.save("lorem.pdf", ContentFile(new), save=False)
        material_file.save()
    material_file.refresh_from_db()
    assert material_file.sha256 == hashlib.sha256(new).hexdigest()
    assert material_file.file_size == len(new)
    assert material_file.page_count == 2
    assert material_file.processing_attempts == 1  # counted afresh for the new content
    assert not storage.exists(old_thumbnail)  # no derivative of the old file is left behind


def test_new_bad_file_clears_old_results(store, fixture_path, django_capture_on_commit_callbacks):
    material_file = store("office/test.pptx")
    assert material_file.page_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        material_file.file.save("invalid.pdf", ContentFile(fixture_path("broken/invalid.pdf").read_bytes()),
                                save=False)
        material_file.save()
    material_file.refresh_from_db()
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert material_file.page_count is None and material_file.full_text == ""


def test_raw_fixture_load_is_skipped(store, django_capture_on_commit_callbacks):
    """loaddata saves with raw=True: no hashing (the named file need not even exist yet), no task."""
    material_file = store("pdf/scotus-transcript-p1.pdf")
    payload = serializers.serialize("json", [material_file])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for obj in serializers.deserialize("json", payload):
            obj.object.file.name = "documents/not-stored-yet.pdf"
            obj.object.sha256 = ""
            obj.save()
    assert callbacks == []
    material_file.refresh_from_db()
    assert material_file.file.name == "documents/not-stored-yet.pdf"
    assert material_file.sha256 == ""
    assert material_file.processing_attempts == 1


# --- retry -------------------------------------------------------------------------------------


def test_retry_after_failure(store, settings, django_capture_on_commit_callbacks):
    settings.HOCLIEU_FFPROBE = "/nonexistent/ffprobe"
    material_file = store("audio/spk1_snt1.wav")
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert "/nonexistent/ffprobe" in material_file.processing_error
    settings.HOCLIEU_FFPROBE = "ffprobe"
    with django_capture_on_commit_callbacks(execute=True):
        retry_processing(material_file)
    material_file.refresh_from_db()
    assert material_file.processing_status == ProcessingStatus.DONE
    assert material_file.processing_error == ""
    assert material_file.processing_attempts == 2
    assert material_file.stream_rendition


def retry_url(material_file):
    return reverse("hoclieu_pipeline:retry", args=[material_file.pk])


@pytest.fixture
def failed_file(store):
    return store("broken/invalid.pdf")


@pytest.mark.parametrize("who", ["teacher", "librarian", "superuser"])
def test_retry_view_allowed(client, school, failed_file, who, django_capture_on_commit_callbacks):
    user = school.get(who) or get_user_model().objects.create_superuser("root", password="pw")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(failed_file), {"next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    failed_file.refresh_from_db()
    assert failed_file.processing_attempts == 2  # ran again (and failed again: the file is broken)
    assert failed_file.processing_status == ProcessingStatus.FAILED


@pytest.mark.parametrize("who", ["teacher2", "reviewer_b", "student", "student_outsider"])
def test_retry_view_refused(client, school, failed_file, who):
    client.force_login(school[who])
    response = client.post(retry_url(failed_file))
    # Staff who may not retry get 404, as for a file that does not exist (no existence oracle);
    # users without admin access go to Wagtail's login.
    if who.startswith("student"):
        assert response.status_code == 302 and "login" in response["Location"]
    else:
        assert response.status_code == 404
    failed_file.refresh_from_db()
    assert failed_file.processing_attempts == 1


def test_retry_view_anonymous_and_get(client, school, failed_file):
    response = client.post(retry_url(failed_file))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(school["teacher"])
    assert client.get(retry_url(failed_file)).status_code == 405
    failed_file.refresh_from_db()
    assert failed_file.processing_attempts == 1


def test_retry_view_ignores_offsite_next_and_done_files(client, school, store):
    done = store("pdf/scotus-transcript-p1.pdf")
    client.force_login(school["teacher"])
    response = client.post(retry_url(done), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("hoclieu_pipeline:failed_files")
    done.refresh_from_db()
    assert done.processing_attempts == 1


def test_failed_files_listing(client, school, failed_file, store):
    store("pdf/scotus-transcript-p1.pdf")  # done: not listed
    client.force_login(school["librarian"])
    response = client.get(reverse("hoclieu_pipeline:failed_files"))
    assert response.status_code == 200
    content = response.content.decode()
    assert failed_file.processing_error in content or "PDF bị hỏng" in content
    assert retry_url(failed_file) in content
    assert "scotus-transcript-p1" not in content
    client.force_login(school["reviewer_b"])
    assert retry_url(failed_file) not in client.get(reverse("hoclieu_pipeline:failed_files")).content.decode()


# --- system check ------------------------------------------------------------------------------


def test_system_check_reports_missing_tools(settings):
    settings.HOCLIEU_FFMPEG = "/nonexistent/ffmpeg"
    settings.HOCLIEU_FFPROBE = "no-such-ffprobe"
    messages = check_media_tools(None)
    text = " ".join(message.msg for message in messages)
    assert {message.id for message in messages} == {"hoclieu.W001"}
    assert "/nonexistent/ffmpeg" in text and "no-such-ffprobe" in text
