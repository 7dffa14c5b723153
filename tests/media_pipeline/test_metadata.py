"""A file's own title: its metadata title, else its name cleaned (media_pipeline.metadata)."""

import io

import docx
import pptx
import pytest

from media_pipeline.detect import DOCX, MP3, PDF, PPTX
from media_pipeline.metadata import embedded_title, file_title, title_from_name


@pytest.mark.parametrize("name, title", [
    ("Ke_hoach_bai_day.pdf", "Ke hoach bai day"),
    ("uploads/bai-giang--toan_6.final.pptx", "bai giang toan 6.final"),
    ("Giáo án   Ngữ văn.docx", "Giáo án Ngữ văn"),
    ("khong-duoi", "khong duoi"),
    ("", ""),
])
def test_title_from_name_drops_extension_and_separators(name, title):
    assert title_from_name(name) == title


def _office(kind, title):
    buffer = io.BytesIO()
    document = docx.Document() if kind == DOCX else pptx.Presentation()
    document.core_properties.title = title
    document.save(buffer)
    buffer.seek(5)
    return buffer


@pytest.mark.parametrize("kind", [DOCX, PPTX])
def test_office_core_properties_title_is_read_and_position_kept(kind):
    buffer = _office(kind, "Kế hoạch bài dạy:  Phân số")
    assert embedded_title(buffer, kind) == "Kế hoạch bài dạy: Phân số"
    assert buffer.tell() == 5


def test_pdf_info_title_is_read(fixture_path):
    with open(fixture_path("pdf/maint-guide.vi.pdf"), "rb") as fileobj:
        assert embedded_title(fileobj, PDF) == "Debian New Maintainers' Guide"


@pytest.mark.parametrize("relative, title", [
    ("pdf/scotus-transcript-p1.pdf", "scotus transcript p1"),  # its /Title is "10811.exe"
    ("pdf/vi_scan_thong_bao_imageonly.pdf", "vi scan thong bao imageonly"),  # /Title is the name
    ("pdf/issue-33-lorem-ipsum.pdf", "issue 33 lorem ipsum"),  # no /Title
])
def test_meaningless_or_file_name_titles_give_the_cleaned_name(fixture_path, relative, title):
    path = fixture_path(relative)
    with open(path, "rb") as fileobj:
        assert file_title(fileobj, path.name, PDF) == title


def test_untitled_office_document_and_other_formats_give_the_cleaned_name():
    assert file_title(_office(DOCX, "Untitled"), "giao_an.docx", DOCX) == "giao an"
    assert file_title(io.BytesIO(b"ID3"), "sach-noi.mp3", MP3) == "sach noi"


def test_damaged_file_gives_no_title():
    assert embedded_title(io.BytesIO(b"PK\x03\x04 not a zip"), DOCX) == ""
    assert embedded_title(io.BytesIO(b"%PDF-1.4 truncated"), PDF) == ""
