"""Document previews (media_pipeline.preview): DOCX/PPTX to PDF with LibreOffice, page images.

LibreOffice runs a few seconds a document: the real conversions are made once for the module
(`converted`); the failure paths that need no real conversion use a program that stands in for it.
"""

import io
import os
import stat

import pptx
import pypdfium2
import pytest
from PIL import Image

from media_pipeline import detect, pdf, preview
from media_pipeline.errors import OfficeCorrupt, OfficeEncrypted, ToolFailed, ToolMissing, ToolTimeout

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures")


def fixture(relative):
    return os.path.join(FIXTURES, relative)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """{"docx": PreviewPdf, "pptx": PreviewPdf} of office/test.docx and office/pptx-tbl-cell.pptx."""
    folder = tmp_path_factory.mktemp("previews")
    return {
        "docx": preview.convert_to_pdf(fixture("office/test.docx"), folder / "test.pdf"),
        "pptx": preview.convert_to_pdf(fixture("office/pptx-tbl-cell.pptx"), folder / "slides.pdf"),
    }


def fake_soffice(directory, script):
    """An executable shell script standing in for soffice; returns its path."""
    path = directory / "soffice"
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def running(pid):
    """True while process `pid` runs (a killed one not yet reaped by its new parent is a zombie, "Z")."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat_file:
            return stat_file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_docx_becomes_a_pdf_with_its_text(converted):
    made = converted["docx"]
    assert made.format == detect.DOCX and made.page_count >= 1
    text = pdf.extract_text(made.path)
    assert text.page_count == made.page_count
    assert "python-docx was here!" in text.full_text
    assert "python-docx was here too!" in text.full_text


def test_pptx_becomes_a_pdf_page_per_slide(converted):
    made = converted["pptx"]
    slides = pptx.Presentation(fixture("office/pptx-tbl-cell.pptx")).slides
    assert made.format == detect.PPTX and made.page_count == len(slides) == 3
    text = pdf.extract_text(made.path)
    assert "merged cell" in text.page_texts[1]
    assert "swallows" in text.page_texts[0]


def test_page_images_of_the_first_pages_at_the_width_asked(converted):
    result = preview.render_pages(converted["pptx"].path, pages=2, width=320)
    assert result.page_count == 3
    assert [image.number for image in result.images] == [1, 2]
    for image in result.images:
        decoded = Image.open(io.BytesIO(image.data))
        assert decoded.format == "WEBP"
        # A 4:3 slide 320 pixels wide.
        assert decoded.size == (image.width, image.height) == (320, 240)


def test_page_images_default_to_three_pages_and_stop_at_the_last(fixture_path, converted):
    long = preview.render_pages(fixture_path("pdf/maint-guide.vi.pdf"))
    assert long.page_count == 64
    assert [image.width for image in long.images] == [preview.DEFAULT_WIDTH] * preview.DEFAULT_PAGES
    one_page = preview.render_pages(converted["docx"].path, pages=10)
    assert len(one_page.images) == one_page.page_count


def test_a_very_long_page_is_drawn_within_the_height_limit(tmp_path):
    document = pypdfium2.PdfDocument.new()
    document.new_page(100, 100_000)  # points: 3.5 cm wide, 35 m long
    path = tmp_path / "ribbon.pdf"
    document.save(str(path))
    document.close()
    image = preview.render_pages(path, width=400).images[0]
    assert image.height <= preview.MAX_HEIGHT_RATIO * 400
    assert Image.open(io.BytesIO(image.data)).size == (image.width, image.height)


def test_page_archive_round_trip(fixture_path):
    result = preview.render_pages(fixture_path("pdf/issue-33-lorem-ipsum.pdf"), width=200)
    archive = io.BytesIO(preview.write_page_archive(result))
    assert preview.read_page_image(archive, 2) == result.images[1].data
    assert preview.read_page_image(archive, 3) is None


def test_a_password_protected_document_fails_with_its_reason(fixture_path):
    path = fixture_path("office/password_test.docx")
    with pytest.raises(OfficeEncrypted) as caught:
        preview.convert_to_pdf(path, "unused.pdf", soffice="/nonexistent/soffice")
    assert caught.value.code == "office_encrypted" and not caught.value.transient
    assert "mật khẩu" in str(caught.value) and "DOCX" in str(caught.value)
    # The probe names it too, rather than calling it an unknown format.
    with open(path, "rb") as fileobj, pytest.raises(OfficeEncrypted):
        detect.detect(fileobj, "giao_an.docx")


def test_a_damaged_document_fails_with_libreoffices_reason(fixture_path, tmp_path):
    with pytest.raises(OfficeCorrupt) as caught:
        preview.convert_to_pdf(fixture_path("broken/damaged_xml_test.docx"), tmp_path / "out.pdf")
    assert caught.value.code == "office_corrupt" and not caught.value.transient
    assert "could not be loaded" in str(caught.value)
    assert not (tmp_path / "out.pdf").exists()


def test_a_file_that_is_not_ooxml_is_refused_before_libreoffice_runs(fixture_path, tmp_path):
    named_docx = tmp_path / "not_a_document.docx"
    named_docx.write_bytes(fixture_path("pdf/issue-33-lorem-ipsum.pdf").read_bytes())
    # A nonexistent program: reaching it would raise ToolMissing instead.
    with pytest.raises(OfficeCorrupt, match="Office Open XML"):
        preview.convert_to_pdf(named_docx, tmp_path / "out.pdf", soffice="/nonexistent/soffice")


def test_missing_libreoffice_is_named(fixture_path, tmp_path):
    with pytest.raises(ToolMissing) as caught:
        preview.convert_to_pdf(fixture_path("office/test.docx"), tmp_path / "out.pdf",
                               soffice=str(tmp_path / "no-such-soffice"))
    assert caught.value.code == "tool_missing" and not caught.value.transient
    assert "LibreOffice" in str(caught.value)


def test_past_its_time_limit_libreoffice_and_its_children_are_killed(fixture_path, tmp_path):
    pid_file = tmp_path / "child.pid"
    soffice = fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pid_file}\nwait")
    with pytest.raises(ToolTimeout) as caught:
        preview.convert_to_pdf(fixture_path("office/test.docx"), tmp_path / "out.pdf", soffice=soffice,
                               timeout=1)
    assert caught.value.transient
    assert not running(int(pid_file.read_text()))


def test_each_run_has_its_own_profile_and_a_run_without_a_pdf_fails(fixture_path, tmp_path):
    log = tmp_path / "args.log"
    soffice = fake_soffice(tmp_path, f'for a in "$@"; do echo "$a" >> {log}; done\necho "---" >> {log}')
    for _ in range(2):
        with pytest.raises(ToolFailed):
            preview.convert_to_pdf(fixture_path("office/pptx-tbl-cell.pptx"), tmp_path / "out.pdf",
                                   soffice=soffice)
    runs = [run.split("\n") for run in log.read_text().removesuffix("\n---\n").split("\n---\n")]
    profiles = [next(arg for arg in run if arg.startswith("-env:UserInstallation=file:///")) for run in runs]
    assert len(runs) == 2 and profiles[0] != profiles[1]
    assert all("--headless" in run and "--infilter=Impress MS PowerPoint 2007 XML" in run for run in runs)
    # The private profile goes with the run.
    assert not os.path.exists(profiles[0].removeprefix("-env:UserInstallation=file://"))
