"""The material-file upload form: bad files are refused at upload with a Vietnamese message, nothing
is stored; a good upload is stored, hashed and processed."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents.forms import get_document_form
from wagtail.models import Collection

from repository.forms import MaterialFileForm
from repository.models import MaterialFile
from repository.models.materials import ProcessingStatus
from tests.helpers import png_bomb


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", password="pw")


def upload(fixture_path, relative, name=None):
    path = fixture_path(relative)
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def bound_form(user, uploaded):
    form_class = get_document_form(MaterialFile)
    assert issubclass(form_class, MaterialFileForm)
    data = {"title": "Giáo án", "collection": Collection.get_first_root_node().pk, "tags": ""}
    return form_class(data, {"file": uploaded}, user=user)


@pytest.mark.parametrize(
    ("relative", "fragments", "code"),
    [
        ("broken/slides_named_as.pdf", ["PPTX", ".pdf"], "content_mismatch"),
        ("broken/pdf_named_as.mp3", ["PDF", ".mp3"], "content_mismatch"),
        ("broken/empty.pdf", ["Tệp rỗng"], "empty"),
    ],
)
def test_form_refuses_bad_files(admin_user, fixture_path, relative, fragments, code):
    form = bound_form(admin_user, upload(fixture_path, relative))
    assert not form.is_valid()
    message = " ".join(form.errors["file"])
    for fragment in fragments:
        assert fragment in message
    assert form.has_error("file", code)
    assert "extension" not in message  # no confusing echo from the model's own extension check


def test_form_refuses_unknown_content(admin_user):
    form = bound_form(admin_user, SimpleUploadedFile("bai.docx", b"khong phai docx " * 100))
    assert not form.is_valid()
    assert "Không nhận ra định dạng" in form.errors["file"][0]


def test_form_refuses_oversize(admin_user, fixture_path, settings):
    settings.HOCLIEU_MAX_UPLOAD_BYTES = 1000
    form = bound_form(admin_user, upload(fixture_path, "pdf/scotus-transcript-p1.pdf"))
    assert not form.is_valid()
    assert form.has_error("file", "too_large")
    assert "Tệp quá lớn" in form.errors["file"][0]


@pytest.mark.parametrize("relative", ["pdf/scotus-transcript-p1.pdf", "office/test.pptx", "audio/jfk.flac",
                                      "images/vi_scan_thong_bao.tif", "images/vi_scan_thong_bao_p1.jpg",
                                      "images/vi_scan_thong_bao_p2.png"])
def test_form_accepts_good_files(admin_user, fixture_path, relative):
    assert bound_form(admin_user, upload(fixture_path, relative)).is_valid()


def test_admin_upload_refuses_mismatch_and_stores_nothing(client, admin_user, fixture_path):
    client.force_login(admin_user)
    response = client.post(reverse("wagtaildocs:add"), {
        "title": "Bài giảng", "collection": Collection.get_first_root_node().pk,
        "file": upload(fixture_path, "broken/slides_named_as.pdf"),
    })
    assert response.status_code == 200  # the form again, with its error
    assert "Nội dung tệp là PPTX nhưng phần mở rộng là .pdf" in response.content.decode()
    assert MaterialFile.objects.count() == 0


def test_admin_upload_stores_hashes_and_processes(client, admin_user, fixture_path,
                                                  django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    data = fixture_path("pdf/issue-33-lorem-ipsum.pdf").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtaildocs:add"), {
            "title": "Lorem", "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile("lorem.pdf", data),
        })
    assert response.status_code == 302
    material_file = MaterialFile.objects.get()
    assert material_file.sha256 == hashlib.sha256(data).hexdigest()
    assert material_file.file_size == len(data)
    assert material_file.uploaded_by_user == admin_user
    assert material_file.processing_status == ProcessingStatus.DONE
    assert material_file.page_count == 2


def test_admin_edit_of_title_keeps_results(
    client, admin_user, fixture_path, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtaildocs:add"), {
            "title": "Lorem", "collection": Collection.get_first_root_node().pk,
            "file": upload(fixture_path, "pdf/issue-33-lorem-ipsum.pdf"),
        })
    material_file = MaterialFile.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtaildocs:edit", args=[material_file.pk]), {
            "title": "Lorem ipsum (sửa)", "collection": material_file.collection_id, "tags": "",
        })
    assert response.status_code == 302
    material_file.refresh_from_db()
    assert material_file.title == "Lorem ipsum (sửa)"
    assert material_file.processing_attempts == 1
    assert material_file.processing_status == ProcessingStatus.DONE


def test_form_refuses_an_image_bomb_with_its_reason(admin_user):
    form = bound_form(admin_user, SimpleUploadedFile("trang.png", png_bomb(20_000, 20_000)))
    assert not form.is_valid()
    assert form.has_error("file", "image_too_large")
    assert "20000 × 20000" in form.errors["file"][0] and "bom giải nén" in form.errors["file"][0]


def test_form_refuses_an_image_named_as_another_format(admin_user, fixture_path):
    form = bound_form(admin_user, upload(fixture_path, "images/vi_scan_thong_bao_p2.png", name="trang.jpg"))
    assert not form.is_valid()
    assert form.has_error("file", "content_mismatch")
    assert "PNG" in form.errors["file"][0]
