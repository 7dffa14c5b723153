"""PDF text, page count and thumbnail on the real fixtures; encrypted, corrupt and empty files fail."""

import io
import subprocess
import unicodedata

import pytest
from PIL import Image

from media_pipeline import pdf
from media_pipeline.errors import EmptyFile, MediaError, PdfCorrupt, PdfEncrypted


def _pdfinfo_pages(path):
    output = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in output.splitlines() if line.startswith("Pages:")))


def test_vietnamese_pdf_text_per_page(fixture_path):
    path = fixture_path("pdf/maint-guide.vi.pdf")
    result = pdf.extract_text(path)
    assert result.page_count == _pdfinfo_pages(path) == len(result.page_texts)
    assert "Debian New Maintainers" in result.page_texts[0]
    # Vietnamese with its diacritics, NFC-normalised.
    assert "Bản quyền" in result.full_text
    assert result.full_text == unicodedata.normalize("NFC", result.full_text)
    assert all(text in result.full_text for text in result.page_texts)
    assert "\r" not in result.full_text
    assert result.metadata.get("Title") == "Debian New Maintainers' Guide"


def test_text_matches_pdftotext_words(fixture_path):
    """Same words as poppler's pdftotext on a 1-page text PDF (order aside)."""
    path = fixture_path("pdf/scotus-transcript-p1.pdf")
    reference = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    ours = set(pdf.extract_text(path).full_text.split())
    theirs = set(reference.stdout.split())
    assert len(ours & theirs) / len(theirs) > 0.95


def test_thumbnail_is_png_400_wide_in_page_proportion(fixture_path):
    png = pdf.render_thumbnail(fixture_path("pdf/maint-guide.vi.pdf"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == pdf.THUMBNAIL_WIDTH
    assert image.height == pytest.approx(400 * 841.89 / 595.28, abs=2)  # A4
    assert image.convert("L").getextrema()[0] < 128  # something is drawn, not a blank page


def test_encrypted_pdf_fails_clearly(fixture_path):
    with pytest.raises(PdfEncrypted) as info:
        pdf.extract_text(fixture_path("pdf/password-example.pdf"))
    assert info.value.code == "pdf_encrypted"
    assert str(info.value) == "PDF bị mã hoá, cần mật khẩu."


@pytest.mark.parametrize("relative", ["broken/invalid.pdf", "broken/truncated_scotus-transcript-p1.pdf"])
def test_corrupt_pdf_fails_clearly(fixture_path, relative):
    with pytest.raises(PdfCorrupt) as info:
        pdf.extract_text(fixture_path(relative))
    assert info.value.code == "pdf_corrupt"
    assert "PDF bị hỏng" in str(info.value)
    with pytest.raises(PdfCorrupt):
        pdf.render_thumbnail(fixture_path(relative))


def test_empty_pdf_fails_as_empty(fixture_path):
    with pytest.raises(EmptyFile):
        pdf.extract_text(fixture_path("broken/empty.pdf"))


def test_tables_with_pdfplumber(fixture_path):
    tables = pdf.extract_tables(fixture_path("pdf/nics-background-checks-2015-11.pdf"), 1)
    assert tables, "the NICS sheet is one big table"
    cells = [cell for table in tables for row in table for cell in row]
    assert any("Alabama" in cell for cell in cells)


def test_tables_of_encrypted_pdf_fail_the_same_way(fixture_path):
    with pytest.raises(MediaError) as info:
        pdf.extract_tables(fixture_path("pdf/password-example.pdf"), 1)
    assert info.value.code == "pdf_encrypted"
