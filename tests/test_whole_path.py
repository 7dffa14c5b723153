"""The whole path, through the real admin and public views:

a teacher uploads an audiobook and submits it → its subject group approves → search finds it →
its MARC record has its 856 → a range request on its audio returns 206; and bad input on the way.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pymarc import MARCReader
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from repository.models import MaterialFile, MaterialPage, ProcessingStatus
from repository.roles import library_collection

pytestmark = pytest.mark.django_db


def upload_through_admin(client, user, library, path, title):
    """POST the file to Wagtail's document upload view as `user`; returns the response."""
    client.force_login(user)
    return client.post(reverse("wagtaildocs:add"), {
        "title": title,
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
        "collection": library_collection(library).pk,
    })


def test_teacher_upload_to_student_stream(school, client, fixture_path, django_capture_on_commit_callbacks):
    author = school["teacher"]
    reviewer = school["teacher2"]  # leads the Ngữ văn group of library a
    audio = fixture_path("audio/sach_noi_espeak_vi.mp3")
    # 1. The teacher uploads the audio through the admin; the pipeline runs on commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_through_admin(client, author, school["a"], audio, "Sách nói Tôi đi học")
    assert response.status_code == 302, response.content[:2000]
    material_file = MaterialFile.objects.get(title="Sách nói Tôi đi học")
    assert material_file.sha256 and material_file.file_size == audio.stat().st_size
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert material_file.duration_seconds > 3 and material_file.stream_rendition

    # 2. The teacher creates the material page and submits it for review.
    data = nested_form_data({
        "title": "Sách nói: Tôi đi học", "slug": "sach-noi-toi-di-hoc", "material_type": "audiobook",
        "creators": "Thanh Tịnh\nNguyễn Thị Lan", "subject": "ngu-van", "grade": "8", "language": "vie",
        "file": str(material_file.pk), "rights": "CC-BY-4.0", "access_level": "school",
        "keywords": "sách nói, văn học", "summary": "Bản đọc truyện ngắn Tôi đi học.",
        "comments": inline_formset([]), "action-submit": "1",
    })
    response = client.post(reverse("wagtailadmin_pages:add", args=("repository", "materialpage",
                                                                    school["index_a"].pk)), data)
    assert response.status_code == 302
    page = MaterialPage.objects.get(slug="sach-noi-toi-di-hoc")
    assert not page.live
    assert WorkflowState.objects.for_instance(page).get().status == WorkflowState.STATUS_IN_PROGRESS

    # Before approval: not found by students, not servable.
    client.force_login(school["student"])
    assert "Tôi đi học" not in client.get("/search/", {"q": "toi di hoc"}).content.decode()
    assert client.get(reverse("material_stream", args=[page.pk])).status_code == 404

    # 3. The Ngữ văn group approves.
    client.force_login(reviewer)
    task_state = page.current_workflow_task_state
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailadmin_pages:workflow_action",
                                       args=(page.pk, "approve", task_state.pk)), {"comment": "Đạt."})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live

    # 4. A student of the school finds it, typing without diacritics.
    client.force_login(school["student"])
    response = client.get("/search/", {"q": "TOI DI HOC"})
    assert page.url in response.content.decode()

    # 5. Its MARC record carries the 856 to its page.
    response = client.get(reverse("material_marc", kwargs={"page_id": page.pk, "fmt": "mrc"}))
    assert response.status_code == 200
    record = next(MARCReader(io.BytesIO(response.content), to_unicode=True))
    assert record.leader[6] == "i"
    assert (record["245"]["a"], record["245"]["b"]) == ("Sách nói :", "Tôi đi học /")  # subtitle in $b
    assert record["856"]["u"] == page.get_full_url()
    assert record["100"]["a"].startswith("Thanh Tịnh")

    # 6. The audio streams with ranges.
    response = client.get(reverse("material_stream", args=[page.pk]), HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Range"].startswith("bytes 100-199/")
    assert len(b"".join(response.streaming_content)) == 100

    # And a student of another school in the network still may not.
    client.force_login(school["student_b"])
    assert client.get(reverse("material_stream", args=[page.pk]), HTTP_RANGE="bytes=0-9").status_code == 404


@pytest.mark.parametrize("relative, message", [
    ("broken/slides_named_as.pdf", "PPTX"),
    ("broken/pdf_named_as.mp3", "PDF"),
    ("broken/empty.pdf", "rỗng"),
])
def test_admin_upload_refuses_bad_files_with_a_reason(school, client, fixture_path, relative, message):
    response = upload_through_admin(client, school["teacher"], school["a"], fixture_path(relative), "Tệp lỗi")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MaterialFile.objects.filter(title="Tệp lỗi").exists()


@pytest.mark.parametrize("relative, reason", [
    ("broken/invalid.pdf", "PDF"),
    ("broken/truncated_scotus-transcript-p1.pdf", "PDF"),
    ("broken/truncated_jfk.mp3", "cắt cụt"),
])
def test_corrupt_files_keep_original_and_record_reason(school, client, fixture_path, relative, reason,
                                                       django_capture_on_commit_callbacks):
    original = fixture_path(relative).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_through_admin(client, school["teacher"], school["a"], fixture_path(relative),
                                        "Hỏng")
    assert response.status_code == 302
    material_file = MaterialFile.objects.get(title="Hỏng")
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert reason in material_file.processing_error
    with material_file.file.open("rb") as stored:
        assert stored.read() == original
