"""A digitised material as an ordered set of page images (issue 7, item 1): the admin's upload form
and `import_materials --page-sets` make ONE material whose file is a multi-page TIFF assembled in
natural order of the images' names, OCR'd to a searchable PDF/A; the images are kept; a bad image
is named with its reason.

The OCR runs the real ocrmypdf and tesseract (`make test` installs them). The pages are
fixtures/images/vi_scan_thong_bao_p1.jpg and _p2.png (page 2 turned by 90°), whose known text is
vi_scan_thong_bao.txt (one page per form feed); see fixtures/SOURCES.md.
"""

import hashlib
import re
import shutil
import unicodedata
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from haystack import connections
from PIL import Image

from media_pipeline.pagesets import natural_key
from repository.models import Derivative, DerivativeKind, MaterialFile, MaterialPage, PageImage
from repository.models.materials import ProcessingStatus
from repository.roles import library_collection
from repository.search.query import search_materials
from tests.helpers import png_bomb

pytestmark = pytest.mark.django_db

PAGE_1 = "images/vi_scan_thong_bao_p1.jpg"
PAGE_2 = "images/vi_scan_thong_bao_p2.png"
KNOWN_TEXT = "images/vi_scan_thong_bao.txt"
MIN_WORD_RECALL = 0.7  # as tests/repository/test_ocr.py


def words(text):
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())


def word_recall(known, found):
    expected, present = words(known), set(words(found))
    return sum(word in present for word in expected) / len(expected)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frames_of(material_file):
    """(width, height) of each frame of the stored TIFF."""
    with material_file.file.open("rb") as fileobj, Image.open(fileobj) as image:
        sizes = []
        for index in range(image.n_frames):
            image.seek(index)
            sizes.append(image.size)
        return sizes


@pytest.fixture
def scans(tmp_path, fixture_path):
    """A folder of a scanned notice, named so that plain sorting would put page 2 ("trang-10")
    before page 1 ("trang-2"), with an image bomb and a truncated PNG among them."""
    folder = tmp_path / "Thong_bao_thu_vien"
    folder.mkdir()
    shutil.copy(fixture_path(PAGE_1), folder / "trang-2.jpg")
    shutil.copy(fixture_path(PAGE_2), folder / "trang-10.png")
    (folder / "trang-3.png").write_bytes(png_bomb(20_000, 20_000))
    (folder / "trang-4.png").write_bytes(fixture_path(PAGE_2).read_bytes()[:4000])
    return folder


def test_natural_order_of_page_names():
    names = ["trang-10.png", "Trang-11.png", "trang-2.jpg", "trang-1.tif"]
    assert sorted(names, key=natural_key) == ["trang-1.tif", "trang-2.jpg", "trang-10.png", "Trang-11.png"]


def test_import_of_a_folder_makes_one_searchable_material_and_names_bad_pages(
        school, scans, fixture_path, client, settings, django_capture_on_commit_callbacks):
    settings.HOCLIEU_OCR_MAX_PIXELS = 100_000_000  # the bomb is 400 million pixels
    connections["default"].get_backend().clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError) as failed:
        call_command("import_materials", str(scans.parent), "--library", "THCS-ND", "--type", "digitised",
                     "--page-sets", "--publish", "--access", "school", stdout=out, stderr=StringIO())
    assert failed.value.returncode == 1  # two pages did not make it
    output = out.getvalue()
    assert re.search(r"BỎ QUA .*trang-3\.png: Ảnh quá lớn", output), output
    assert re.search(r"BỎ QUA .*trang-4\.png: Ảnh PNG bị hỏng", output), output

    page = MaterialPage.objects.get()  # one material for the folder
    assert page.title == "Thong bao thu vien" and page.material_type == "digitised" and page.live
    material_file = page.file
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    # The file is the assembled TIFF, page 1 ("trang-2", portrait JPEG) first, then page 2 (landscape).
    assert material_file.file.name.endswith(".tif") and material_file.page_count == 2
    with Image.open(fixture_path(PAGE_1)) as first, Image.open(fixture_path(PAGE_2)) as second:
        assert frames_of(material_file) == [first.size, second.size]
    # The originals are kept as they were uploaded, in page order.
    kept = list(material_file.page_images.all())
    assert [(p.position, p.original_name) for p in kept] == [(1, "trang-2.jpg"), (2, "trang-10.png")]
    assert [p.sha256 for p in kept] == [sha256(scans / "trang-2.jpg"), sha256(scans / "trang-10.png")]
    for kept_page in kept:
        with kept_page.image.open("rb") as fileobj:
            assert hashlib.sha256(fileobj.read()).hexdigest() == kept_page.sha256

    # OCR: a searchable PDF/A whose text, page by page, is the notice's, in order, and searchable.
    ocr = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.OCR)
    assert ocr.metadata["pdfa"] and material_file.searchable_pdf is not None
    known = fixture_path(KNOWN_TEXT).read_text(encoding="utf-8").split("\f")
    assert len(material_file.page_texts) == 2
    for number, (expected, found) in enumerate(zip(known, material_file.page_texts, strict=True), 1):
        assert word_recall(expected, found) >= MIN_WORD_RECALL, (number, found)
    phrase_1, phrase_2 = (" ".join(text.split()[4:7]) for text in known)
    student = school["student"]
    for phrase in (phrase_1, phrase_2):
        assert page.pk in {int(hit.pk) for hit in search_materials(student, phrase, {})}, phrase
        # A school-level material: not found by an anonymous reader or another school's student.
        assert page.pk not in {int(hit.pk) for hit in search_materials(AnonymousUser(), phrase, {})}
        assert page.pk not in {int(hit.pk) for hit in search_materials(school["student_b"], phrase, {})}

    # The access rules of the material hold for its file: its own school yes, others 404.
    client.force_login(school["student_b"])
    assert client.get(page.url).status_code == 404
    assert client.get(material_file.url).status_code == 404
    client.force_login(student)
    assert client.get(page.url).status_code == 200
    assert client.get(material_file.url).status_code == 200

    # Importing the same folder again makes nothing new.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError):
        call_command("import_materials", str(scans), "--library", "THCS-ND", "--type", "digitised",
                     "--page-sets", "--no-wait", stdout=StringIO(), stderr=StringIO())
    assert MaterialPage.objects.count() == 1 and PageImage.objects.count() == 2


# --- the admin's upload form ---------------------------------------------------------------------


def post_page_set(client, school, files, title="Thông báo thư viện", **extra):
    return client.post(reverse("wagtaildocs:add"), {
        "title": title, "collection": library_collection(school["a"]).pk, "page_images": files, **extra,
    })


def image_upload(fixture_path, relative, name):
    return SimpleUploadedFile(name, fixture_path(relative).read_bytes())


def test_admin_upload_of_page_images_makes_one_tiff_in_page_order(client, school, fixture_path):
    client.force_login(school["librarian"])
    response = post_page_set(client, school, [image_upload(fixture_path, PAGE_2, "trang-10.png"),
                                              image_upload(fixture_path, PAGE_1, "trang-2.jpg")])
    assert response.status_code == 302, response.content.decode()[-3000:]
    material_file = MaterialFile.objects.get()
    assert material_file.title == "Thông báo thư viện" and material_file.file.name.endswith(".tif")
    assert material_file.uploaded_by_user == school["librarian"]
    assert material_file.collection == library_collection(school["a"])
    with Image.open(fixture_path(PAGE_1)) as first, Image.open(fixture_path(PAGE_2)) as second:
        assert frames_of(material_file) == [first.size, second.size]
        # Lossless: the frame holds the pixels the JPEG decodes to.
        with material_file.file.open("rb") as fileobj, Image.open(fileobj) as tiff:
            assert tiff.tobytes() == first.convert(tiff.mode).tobytes()
    assert [(p.position, p.original_name, p.sha256) for p in material_file.page_images.all()] == [
        (1, "trang-2.jpg", sha256(fixture_path(PAGE_1))), (2, "trang-10.png", sha256(fixture_path(PAGE_2)))]
    with material_file.file.open("rb") as fileobj:
        assert hashlib.sha256(fileobj.read()).hexdigest() == material_file.sha256


def test_admin_upload_with_a_bad_page_names_it_and_stores_nothing(client, school, fixture_path, settings):
    settings.HOCLIEU_OCR_MAX_PIXELS = 100_000_000
    client.force_login(school["librarian"])
    response = post_page_set(client, school, [
        image_upload(fixture_path, PAGE_1, "trang-1.jpg"),
        SimpleUploadedFile("trang-2.png", png_bomb(20_000, 20_000)),
        SimpleUploadedFile("trang-3.pdf", fixture_path("pdf/scotus-transcript-p1.pdf").read_bytes()),
    ])
    assert response.status_code == 200
    content = response.content.decode()
    assert "trang-2.png: Ảnh quá lớn" in content
    assert "trang-3.pdf: Không phải ảnh trang quét" in content
    assert "trang-1.jpg" not in content.split("trang-2.png")[0].split("Ảnh trang không dùng được")[-1]
    assert MaterialFile.objects.count() == 0 and PageImage.objects.count() == 0


def test_admin_upload_needs_a_file_or_page_images_not_both(client, school, fixture_path):
    client.force_login(school["librarian"])
    form = client.get(reverse("wagtaildocs:add")).content.decode()
    field = re.search(r'<input[^>]*name="page_images"[^>]*>', form)
    assert field and "multiple" in field.group(0)
    assert post_page_set(client, school, []).status_code == 200
    response = post_page_set(client, school, [image_upload(fixture_path, PAGE_1, "trang-1.jpg")],
                             file=image_upload(fixture_path, PAGE_2, "trang-2.png"))
    assert response.status_code == 200 and "không chọn cả hai" in response.content.decode()
    assert MaterialFile.objects.count() == 0


def test_page_set_file_is_only_for_a_digitised_material(client, school, fixture_path, make_material):
    client.force_login(school["librarian"])
    post_page_set(client, school, [image_upload(fixture_path, PAGE_1, "trang-1.jpg")])
    material_file = MaterialFile.objects.get()
    page = MaterialPage(title="Giáo án", material_type="lesson_plan", creators="Lan", subject="toan",
                        file=material_file)
    page.library_id = school["a"].pk
    with pytest.raises(Exception, match="Tài liệu số hoá"):
        page.full_clean()
