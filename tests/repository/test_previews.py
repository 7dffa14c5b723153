"""Document previews in the pipeline and on the site: the preview PDF of a DOCX/PPTX (LibreOffice),
page images of the first pages of every PDF, the thumbnail, and who may see them."""

import io

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from media_pipeline import pdf, preview
from media_pipeline.files import local_path
from repository import pipeline
from repository.models import DerivativeKind, DerivativeStatus, ProcessingStatus
from tests.helpers import set_derivative

pytestmark = pytest.mark.django_db

PDF = "pdf/issue-33-lorem-ipsum.pdf"  # 2 pages


def page_preview_url(page, number):
    return reverse("material_page_preview", kwargs={"page_id": page.pk, "number": number})


def preview_pdf_url(page):
    return reverse("material_preview_pdf", kwargs={"page_id": page.pk})


def statuses(material_file):
    return {d.kind: d.status for d in pipeline.current_derivatives(material_file)}


@pytest.fixture
def vietnamese_docx(tmp_path):
    """A lesson plan in Vietnamese, written with python-docx (absolute path)."""
    document = docx.Document()
    document.add_heading("Giáo án: Phân số", level=1)
    document.add_paragraph("Học sinh biết rút gọn phân số và quy đồng mẫu số.")
    path = tmp_path / "giao_an_phan_so.docx"
    document.save(path)
    return path


def test_docx_without_libreoffice_keeps_its_text_then_gets_its_previews(
        settings, tmp_path, client, make_material, vietnamese_docx, django_capture_on_commit_callbacks):
    settings.HOCLIEU_SOFFICE = str(tmp_path / "no-such-soffice")
    page = make_material(str(vietnamese_docx), access_level="public")
    material_file = page.file

    # LibreOffice missing: the preview fails with its reason, the rest of the pipeline is done.
    failed = material_file.derivatives.get(kind=DerivativeKind.PREVIEW_PDF)
    assert failed.status == DerivativeStatus.FAILED and failed.error_code == "tool_missing"
    assert "LibreOffice" in failed.error
    assert material_file.processing_status == ProcessingStatus.DONE
    assert material_file.processing_error == ""
    assert "rút gọn phân số" in material_file.full_text
    assert statuses(material_file).keys() == {
        DerivativeKind.PROBE, DerivativeKind.TEXT, DerivativeKind.PREVIEW_PDF}
    assert "preview-pages" not in client.get(page.url).content.decode()
    assert client.get(preview_pdf_url(page)).status_code == 404

    # Installed: reprocessing the kind makes the PDF, then its thumbnail and page images.
    settings.HOCLIEU_SOFFICE = settings.PREVIEW_TEST_SOFFICE
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_media", "--kind", "preview_pdf", verbosity=0)
    material_file.refresh_from_db()
    assert statuses(material_file) == {kind: DerivativeStatus.DONE for kind in (
        DerivativeKind.PROBE, DerivativeKind.TEXT, DerivativeKind.PREVIEW_PDF, DerivativeKind.THUMBNAIL,
        DerivativeKind.PAGE_PREVIEWS)}
    assert material_file.processing_status == ProcessingStatus.DONE
    with local_path(material_file.preview_pdf) as path:
        text = pdf.extract_text(path)
    assert "Giáo án: Phân số" in text.full_text and "rút gọn phân số" in text.full_text
    thumbnail = material_file.current_derivative(DerivativeKind.THUMBNAIL)
    assert thumbnail.metadata["source"] == "preview_pdf"
    with material_file.thumbnail.open("rb") as handle:
        assert Image.open(handle).width == 400
    assert [shown["number"] for shown in material_file.preview_pages] == [1]
    assert material_file.preview_page_count == text.page_count

    html = client.get(page.url).content.decode()
    assert page_preview_url(page, 1) in html and preview_pdf_url(page) in html
    image = client.get(page_preview_url(page, 1))
    assert image.status_code == 200 and image["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(image.content)).width == 800
    served = client.get(preview_pdf_url(page))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content).startswith(b"%PDF-")


def test_every_pdf_gets_images_of_its_first_pages(client, make_material):
    page = make_material(PDF, access_level="public")
    material_file = page.file
    assert statuses(material_file)[DerivativeKind.PAGE_PREVIEWS] == DerivativeStatus.DONE
    assert material_file.thumbnail is not None
    shown = material_file.preview_pages
    assert [(each["number"], each["width"]) for each in shown] == [(1, 800), (2, 800)]
    assert material_file.preview_page_count == 2

    html = client.get(page.url).content.decode()
    assert page_preview_url(page, 2) in html
    assert f'class="preview-pdf" href="{material_file.url}"' in html  # the whole PDF is the file itself
    assert 'class="thumbnail"' not in html  # page 1 is shown already

    first = client.get(page_preview_url(page, 1))
    assert first.status_code == 200 and Image.open(io.BytesIO(first.content)).size == (
        800, material_file.preview_pages[0]["height"])
    again = client.get(page_preview_url(page, 1), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert client.get(page_preview_url(page, 3)).status_code == 404


def test_a_new_width_makes_the_page_images_again(settings, make_material, django_capture_on_commit_callbacks):
    material_file = make_material(PDF).file
    old = material_file.current_derivative(DerivativeKind.PAGE_PREVIEWS)
    settings.HOCLIEU_PREVIEW_WIDTH = 360
    settings.HOCLIEU_PREVIEW_PAGES = 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_media", "--kind", "page_previews", verbosity=0)
    material_file.refresh_from_db()
    new = material_file.current_derivative(DerivativeKind.PAGE_PREVIEWS)
    assert new.pk != old.pk and new.params_version != old.params_version
    height = new.metadata["pages"][0]["height"]
    assert material_file.preview_pages == [{"number": 1, "width": 360, "height": height}]
    with material_file.page_previews.open("rb") as handle:
        assert Image.open(io.BytesIO(preview.read_page_image(handle, 1))).width == 360


@pytest.mark.parametrize("kind", ["page_preview", "preview_pdf"])
@pytest.mark.parametrize(
    "access_level, publish, who, allowed",
    [
        ("school", True, None, False),
        ("school", True, "student_b", False),
        ("school", True, "student_outsider", False),
        ("school", True, "student", True),
        ("group", True, "student_outsider", False),
        ("public", False, None, False),
        ("public", False, "student", False),
        ("public", False, "student_b", False),
        ("public", False, "librarian", True),
        ("public", True, None, True),
    ],
)
def test_previews_respect_the_materials_access(client, school, make_material, fixture_path, kind,
                                               access_level, publish, who, allowed):
    page = make_material(PDF, access_level=access_level, publish=publish)
    # The preview PDF as LibreOffice would have left it (the access rules do not depend on the format).
    set_derivative(page.file, DerivativeKind.PREVIEW_PDF, fixture_path(PDF).read_bytes(), "preview.pdf")
    url = page_preview_url(page, 1) if kind == "page_preview" else preview_pdf_url(page)
    if who:
        client.force_login(school[who])
    response = client.get(url)
    if allowed:
        assert response.status_code == 200
        assert ("private" in response["Cache-Control"]) == (access_level != "public" or not publish)
    elif who is None and publish:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 404
        assert page.title not in response.content.decode().replace(url, "")
