"""DOCX and PPTX text on the real fixtures, checked against what python-docx/pptx read directly."""

import docx
import pptx
import pytest

from media_pipeline import office
from media_pipeline.errors import EmptyFile, OfficeCorrupt


def test_docx_paragraphs(fixture_path):
    path = fixture_path("office/test.docx")
    result = office.extract_docx(path)
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
    assert paragraphs
    for text in paragraphs:
        assert text in result.full_text
    assert result.page_count is None


def test_docx_tables_come_in_body_order(fixture_path, tmp_path):
    """A DOCX made here: paragraph, table, paragraph; the table's cells are tab-separated between."""
    document = docx.Document()
    document.add_paragraph("Bài 1. Phân số")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["Lớp", "Sĩ số"], ["6A", "42"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("Củng cố")
    path = tmp_path / "giao_an.docx"
    document.save(path)
    text = office.extract_docx(path).full_text
    assert text.splitlines() == ["Bài 1. Phân số", "Lớp\tSĩ số", "6A\t42", "Củng cố"]


def test_pptx_slide_count_and_text(fixture_path):
    path = fixture_path("office/pptx-tbl-cell.pptx")
    result = office.extract_pptx(path)
    presentation = pptx.Presentation(str(path))
    assert result.page_count == len(presentation.slides) == len(result.page_texts)
    for slide, text in zip(presentation.slides, result.page_texts, strict=True):
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        assert " ".join(cell.text.split()) in text


def test_pptx_titles_and_notes(fixture_path, tmp_path):
    presentation = pptx.Presentation(str(fixture_path("office/test.pptx")))
    slide = presentation.slides[0]
    slide.notes_slide.notes_text_frame.text = "Ghi chú: hỏi học sinh về phân số"
    path = tmp_path / "bai_giang.pptx"
    presentation.save(path)
    result = office.extract_pptx(path)
    assert result.page_count == 1
    assert "Presentation Title Text" in result.page_texts[0]
    assert result.page_texts[0].endswith("Ghi chú: hỏi học sinh về phân số")


def test_truncated_docx_is_corrupt(fixture_path, tmp_path):
    data = fixture_path("office/test.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(OfficeCorrupt) as info:
        office.extract_docx(path)
    assert "DOCX" in str(info.value)


def test_empty_pptx_is_empty(tmp_path):
    path = tmp_path / "empty.pptx"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile):
        office.extract_pptx(path)
