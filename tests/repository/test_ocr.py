"""OCR of scans through the pipeline: scanned PDFs and page images become a searchable PDF/A whose text
goes into search; image bombs, encrypted and corrupt files fail at once with their reason.

These tests run the real ocrmypdf and tesseract (`make test` installs them: Makefile APT_PACKAGES).
Without them they fail, they are not skipped: a server without them cannot do what is tested here.

The scans are fixtures/images/vi_scan_thong_bao.* (GENERATED from vi_scan_thong_bao.txt, its known
text, one page per form feed; page 2 is turned by 90°), see fixtures/SOURCES.md.
"""

import hashlib
import io
import re
import shutil
import unicodedata

import pypdfium2
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from haystack import connections

from repository import pipeline
from repository.checks import tesseract_languages
from repository.models import Derivative, DerivativeKind, DerivativeStatus, MaterialFile, MaterialPage
from repository.models.materials import ProcessingStatus
from repository.roles import library_collection
from repository.search.query import search_materials
from repository.search.text import fold_vietnamese
from repository.tasks import process_derivative_task
from tests.helpers import png_bomb, tiny_pdf

pytestmark = pytest.mark.django_db

SCAN_PDF = "pdf/vi_scan_thong_bao_imageonly.pdf"
SCAN_TIFF = "images/vi_scan_thong_bao.tif"
KNOWN_TEXT = "images/vi_scan_thong_bao.txt"
# Share of the known text's words that OCR must find on a page (the headings in capitals lose some
# of their marks; everything else is read).
MIN_WORD_RECALL = 0.7


@pytest.fixture
def store_bytes(school, django_capture_on_commit_callbacks):
    """store_bytes(name, data) -> MaterialFile saved in library a's collection and processed."""

    def _store(name, data):
        material_file = MaterialFile(title=name, uploaded_by_user=school["librarian"],
                                     collection=library_collection(school["a"]))
        with django_capture_on_commit_callbacks(execute=True):
            material_file.file.save(name, ContentFile(data), save=False)
            material_file.save()
        material_file.refresh_from_db()
        return material_file

    return _store


@pytest.fixture
def store(store_bytes, fixture_path):
    """store(relative) -> MaterialFile of a fixture, processed."""
    return lambda relative: store_bytes(fixture_path(relative).name, fixture_path(relative).read_bytes())


@pytest.fixture
def known_pages(fixture_path):
    """The known text of the scan, page by page (list of str)."""
    return fixture_path(KNOWN_TEXT).read_text(encoding="utf-8").split("\f")


def words(text):
    """The words of `text`: NFC, lower case, letters and digits only."""
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())


def word_recall(known, found):
    """Share (0-1) of the words of `known` that are among the words of `found`."""
    expected, present = words(known), set(words(found))
    return sum(word in present for word in expected) / len(expected)


def stored_bytes(fieldfile):
    with fieldfile.storage.open(fieldfile.name, "rb") as fileobj:
        return fileobj.read()


def ocr_of(material_file):
    return Derivative.objects.get(material_file=material_file, kind=DerivativeKind.OCR)


def assert_searchable_pdfa(material_file, pages):
    """The OCR output of `material_file` is a stored PDF/A of `pages` pages with a text layer."""
    output = material_file.searchable_pdf
    assert output is not None and output.name.startswith("derivatives/ocr/") and output.name.endswith(".pdf")
    data = stored_bytes(output)
    assert b"pdfaid:part" in data  # the XMP identification of PDF/A (ISO 19005-2 §6.6.4)
    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) == pages
        assert all(document[i].get_textpage().get_text_bounded().strip() for i in range(pages))
    finally:
        document.close()
    assert ocr_of(material_file).metadata["pdfa"] is True


# --- the tools ---------------------------------------------------------------------------------


def test_ocrmypdf_and_vietnamese_tesseract_are_installed():
    assert shutil.which("ocrmypdf"), "ocrmypdf is missing: `make system-deps` installs it (APT_PACKAGES)"
    tesseract = shutil.which("tesseract")
    assert tesseract, "tesseract is missing: `make system-deps` installs it"
    assert {"vie", "eng"} <= tesseract_languages(tesseract), "tesseract-ocr-vie is missing"


# --- scans become searchable -------------------------------------------------------------------


def test_image_only_pdf_becomes_a_searchable_pdfa_and_keeps_its_original(store, fixture_path, known_pages):
    original = fixture_path(SCAN_PDF).read_bytes()
    material_file = store(SCAN_PDF)
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    text = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.TEXT)
    assert pipeline.pages_needing_ocr(text.metadata["page_texts"]) == [1, 2]
    ocr = ocr_of(material_file)
    assert ocr.status == DerivativeStatus.DONE
    assert (ocr.metadata["ocr_pages"], ocr.metadata["mode"]) == ([1, 2], "skip-text")
    assert ocr.metadata["languages"] == "vie+eng"
    assert_searchable_pdfa(material_file, pages=2)
    assert len(material_file.page_texts) == material_file.page_count == 2
    for known, found in zip(known_pages, material_file.page_texts, strict=True):
        assert word_recall(known, found) >= MIN_WORD_RECALL, found
    # Page 2 was scanned sideways: read at all only because it was turned upright.
    assert "danh mục" in material_file.page_texts[1].lower()
    assert "\f" in material_file.full_text
    # The original is never written: same bytes, same SHA-256 as uploaded.
    sha256 = hashlib.sha256(original).hexdigest()
    assert hashlib.sha256(stored_bytes(material_file.file)).hexdigest() == sha256 == material_file.sha256


def test_a_scanned_material_is_found_by_its_words(school, make_material, django_capture_on_commit_callbacks,
                                                   client, known_pages):
    connections["default"].get_backend().clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = make_material(SCAN_PDF, title="Thông báo của thư viện", material_type="digitised")
    page.file.refresh_from_db()
    assert page.file.processing_status == ProcessingStatus.DONE, page.file.processing_error
    # Words that are only in the scan (not in the title or any other field), with their marks.
    known = "".join(known_pages).lower()
    only_in_scan = [word for word in ("kỉ yếu", "đề cương", "báo tường") if word in known]
    assert only_in_scan
    for phrase in only_in_scan:
        assert phrase in page.file.full_text.lower()
        for query in (phrase, fold_vietnamese(phrase)):  # typed with or without the marks
            assert page.pk in {int(hit.pk) for hit in search_materials(AnonymousUser(), query, {})}
    response = client.get(reverse("search"), {"q": only_in_scan[0]})
    assert response.status_code == 200
    assert page.pk in [result["page"].pk for result in response.context["results"]]


def test_pdf_with_text_pages_and_a_scanned_page_is_read_only_where_needed(store_bytes, fixture_path,
                                                                           known_pages):
    text_pdf = pypdfium2.PdfDocument(str(fixture_path("pdf/scotus-transcript-p1.pdf")))
    scan = pypdfium2.PdfDocument(str(fixture_path(SCAN_PDF)))
    text_pdf.import_pages(scan, [0])
    buffer = io.BytesIO()
    text_pdf.save(buffer)
    text_pdf.close()
    scan.close()
    material_file = store_bytes("hon_hop.pdf", buffer.getvalue())
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    text = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.TEXT)
    ocr = ocr_of(material_file)
    assert (ocr.metadata["ocr_pages"], ocr.metadata["mode"]) == ([2], "skip-text")
    assert_searchable_pdfa(material_file, pages=2)
    # The page with its own text is kept as it was; the scanned one is read.
    assert words(material_file.page_texts[0]) == words(text.metadata["page_texts"][0])
    assert word_recall(known_pages[0], material_file.page_texts[1]) >= MIN_WORD_RECALL


def test_a_page_with_a_few_characters_is_read_again_with_redo_ocr():
    page_texts = ["Trang có đủ chữ để không cần nhận dạng lại.", "", "12"]
    pages = pipeline.pages_needing_ocr(page_texts, min_chars=20)
    assert pages == [2, 3]
    assert pipeline.ocr_mode(page_texts, pages) == "redo-ocr"
    assert pipeline.ocr_mode(page_texts, [2]) == "skip-text"


def test_short_text_pages_and_blank_pages_are_not_scans():
    """A page with little text is a scan only when images cover most of it (image_coverage)."""
    page_texts = ["Phiếu bài tập số 1", "", "", "12"]
    coverage = [0.0, 0.0, 0.98, 0.9]
    assert pipeline.pages_needing_ocr(page_texts, min_chars=20, image_coverage=coverage,
                                      min_coverage=0.5) == [3, 4]
    # Text extracted before coverage was recorded: the characters alone decide.
    assert pipeline.pages_needing_ocr(page_texts, min_chars=20) == [1, 2, 3, 4]


def test_a_short_one_page_worksheet_gets_no_ocr(store_bytes):
    material_file = store_bytes("phieu.pdf", tiny_pdf("Phieu bai tap so 1"))
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    text = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.TEXT)
    assert text.metadata["image_coverage"] == [0.0]
    assert not Derivative.objects.filter(material_file=material_file, kind=DerivativeKind.OCR).exists()


def test_the_scan_pages_are_recorded_as_under_images(store):
    material_file = store(SCAN_PDF)
    text = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.TEXT)
    assert all(share >= 0.9 for share in text.metadata["image_coverage"])
    assert len(text.metadata["image_coverage"]) == 2


def test_a_pdf_with_text_on_every_page_gets_no_ocr(store):
    material_file = store("pdf/issue-33-lorem-ipsum.pdf")
    assert material_file.processing_status == ProcessingStatus.DONE
    assert not Derivative.objects.filter(material_file=material_file, kind=DerivativeKind.OCR).exists()
    assert material_file.searchable_pdf is None


def test_multi_page_tiff_becomes_a_searchable_pdfa(store, known_pages):
    material_file = store(SCAN_TIFF)
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert (material_file.media_kind, material_file.page_count) == ("image", 2)
    assert_searchable_pdfa(material_file, pages=2)
    assert len(material_file.page_texts) == 2
    for known, found in zip(known_pages, material_file.page_texts, strict=True):
        assert word_recall(known, found) >= MIN_WORD_RECALL, found


@pytest.mark.parametrize(("relative", "page"), [
    ("images/vi_scan_thong_bao_p1.jpg", 0),  # greyscale JPEG, 200 dpi
    ("images/vi_scan_thong_bao_p2.png", 1),  # bilevel PNG, scanned sideways
])
def test_jpeg_and_png_pages_become_searchable(store, known_pages, relative, page):
    material_file = store(relative)
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert (material_file.media_kind, material_file.page_count) == ("image", 1)
    assert_searchable_pdfa(material_file, pages=1)
    assert word_recall(known_pages[page], material_file.page_texts[0]) >= MIN_WORD_RECALL


def test_png_without_a_resolution_is_read_at_the_assumed_dpi(store, settings):
    # A full A4 page at 300 dpi: on a loaded 2-CPU machine ocrmypdf can pass the default 60 s a page;
    # this test is about the resolution, not the time limit (tested in media_pipeline/test_ocr.py).
    settings.HOCLIEU_OCR_TIMEOUT_PER_PAGE = 600
    material_file = store("images/linn.png")  # 2550 × 3300 pixels, no pHYs chunk
    assert material_file.processing_status == ProcessingStatus.DONE, material_file.processing_error
    assert material_file.searchable_pdf is not None
    document = pypdfium2.PdfDocument(stored_bytes(material_file.searchable_pdf))
    width, height = document[0].get_size()  # points: 2550 px at 300 dpi is 8.5 in, 612 pt
    document.close()
    assert (round(width), round(height)) == (612, 792)
    assert len(words(material_file.full_text)) > 100


# --- refusals -----------------------------------------------------------------------------------


def test_an_image_bomb_is_refused_by_the_pixel_limit_with_its_reason(store_bytes, settings):
    side = 20_000  # 400 million pixels in about 60 KiB
    assert side * side > settings.HOCLIEU_OCR_MAX_PIXELS
    material_file = store_bytes("bom.png", png_bomb(side, side))
    assert material_file.processing_status == ProcessingStatus.FAILED
    probe = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.PROBE)
    assert (probe.error_code, probe.permanent, probe.attempts) == ("image_too_large", True, 1)
    assert "Ảnh quá lớn" in material_file.processing_error
    assert "20000 × 20000" in material_file.processing_error
    assert "400,0 triệu" in material_file.processing_error  # Vietnamese decimal comma
    assert not Derivative.objects.filter(material_file=material_file, kind=DerivativeKind.OCR).exists()


def test_the_pixel_limit_is_a_setting(store, settings):
    settings.HOCLIEU_OCR_MAX_PIXELS = 1_000_000
    material_file = store("images/vi_scan_thong_bao_p1.jpg")
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert "vượt giới hạn 1,0 triệu điểm ảnh" in material_file.processing_error


@pytest.mark.parametrize(("name", "cut", "code", "fragment"), [
    ("trang.tif", 0.5, "image_corrupt", "TIFF"),
    ("trang.jpg", 0.4, "image_corrupt", "JPEG"),
])
def test_a_truncated_image_fails_permanently_with_its_reason(store_bytes, fixture_path, name, cut, code,
                                                             fragment):
    source = SCAN_TIFF if name.endswith(".tif") else "images/vi_scan_thong_bao_p1.jpg"
    data = fixture_path(source).read_bytes()
    material_file = store_bytes(name, data[: int(len(data) * cut)])
    assert material_file.processing_status == ProcessingStatus.FAILED
    failed = Derivative.objects.get(material_file=material_file, status=DerivativeStatus.FAILED)
    assert (failed.error_code, failed.permanent, failed.attempts) == (code, True, 1)
    assert "bị hỏng hoặc không đầy đủ" in failed.error and fragment in failed.error


def test_an_encrypted_pdf_fails_permanently_before_any_ocr(store):
    material_file = store("pdf/password-example.pdf")
    assert material_file.processing_status == ProcessingStatus.FAILED
    assert "mã hoá" in material_file.processing_error
    probe = Derivative.objects.get(material_file=material_file, kind=DerivativeKind.PROBE)
    assert (probe.error_code, probe.permanent) == ("pdf_encrypted", True)
    assert not Derivative.objects.filter(material_file=material_file, kind=DerivativeKind.OCR).exists()


def test_without_ocrmypdf_the_ocr_fails_permanently_naming_the_tool(store, settings):
    settings.HOCLIEU_OCRMYPDF = "/khong/co/ocrmypdf"
    material_file = store("images/vi_scan_thong_bao_p2.png")
    assert material_file.processing_status == ProcessingStatus.FAILED
    ocr = ocr_of(material_file)
    assert (ocr.error_code, ocr.permanent) == ("tool_missing", True)
    assert "/khong/co/ocrmypdf" in ocr.error


def test_page_images_are_only_for_digitised_materials(school, store):
    material_file = store("images/vi_scan_thong_bao_p2.png")
    page = MaterialPage(title="Giáo án", material_type="lesson_plan", creators="Lan", subject="toan",
                        file=material_file, library=school["a"])
    with pytest.raises(ValidationError) as info:
        page.clean()
    assert "Tài liệu số hoá" in str(info.value)
    page.material_type = "digitised"
    page.clean()


# --- idempotence --------------------------------------------------------------------------------


def test_running_the_ocr_task_twice_leaves_one_derivative(store):
    material_file = store("images/vi_scan_thong_bao_p2.png")
    first = ocr_of(material_file)
    assert first.status == DerivativeStatus.DONE
    assert process_derivative_task.call(material_file.pk, DerivativeKind.OCR) == DerivativeStatus.DONE
    assert pipeline.reprocess([material_file], kind=DerivativeKind.OCR) == 1  # made again, replacing it
    ocrs = Derivative.objects.filter(material_file=material_file, kind=DerivativeKind.OCR)
    assert ocrs.count() == 1
    again = ocrs.get()
    assert again.status == DerivativeStatus.DONE and again.attempts == 2
    storage = again.output.storage
    _dirs, files = storage.listdir("derivatives/ocr")
    stem = material_file.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    assert [name for name in files if name.startswith(stem)] == [again.output.name.rsplit("/", 1)[-1]]
