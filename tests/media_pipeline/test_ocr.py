"""media_pipeline.ocr on its own: page images checked before work, ocrmypdf's failures as MediaErrors,
its time limit. Runs the real ocrmypdf (installed by `make`); fails without it."""

import io
import os
import time

import pytest

from media_pipeline import ocr
from media_pipeline.errors import (
    ImageCorrupt,
    ImageTooLarge,
    PdfCorrupt,
    PdfEncrypted,
    ToolMissing,
    ToolTimeout,
)
from tests.helpers import png_bomb


def test_inspect_image_reads_frames_size_and_dpi(fixture_path):
    info = ocr.inspect_image(str(fixture_path("images/vi_scan_thong_bao.tif")))
    assert (info.format, info.frames) == ("TIFF", 2)
    assert info.pixels == info.width * info.height > 0
    assert info.dpi == (300.0, 300.0)
    assert ocr.inspect_image(str(fixture_path("images/linn.png"))).dpi is None


def test_inspect_image_refuses_a_bomb_from_its_header_alone():
    data = png_bomb(30_000, 30_000)
    started = time.monotonic()
    with pytest.raises(ImageTooLarge) as info:
        ocr.inspect_image(io.BytesIO(data), max_pixels=100_000_000)
    assert time.monotonic() - started < 1.0  # nothing was decoded
    assert info.value.transient is False
    assert "30000 × 30000" in str(info.value) and "900,0" in str(info.value)


def test_inspect_image_restores_the_position_of_a_file_object(fixture_path):
    fileobj = io.BytesIO(fixture_path("images/phototest.tif").read_bytes())
    fileobj.seek(5)
    ocr.inspect_image(fileobj)
    assert fileobj.tell() == 5


def test_a_truncated_png_is_corrupt(fixture_path):
    data = fixture_path("images/linn.png").read_bytes()
    with pytest.raises(ImageCorrupt) as info:
        ocr.inspect_image(io.BytesIO(data[: len(data) // 2]))
    assert "PNG" in str(info.value) and info.value.transient is False


def test_timeout_grows_with_pages():
    assert ocr.ocr_timeout(1) < ocr.ocr_timeout(10) < ocr.ocr_timeout(100)
    assert ocr.ocr_timeout(10, base=5, per_page=2) == 25


@pytest.mark.parametrize(("relative", "error"), [
    ("pdf/password-example.pdf", PdfEncrypted),
    ("broken/invalid.pdf", PdfCorrupt),
])
def test_encrypted_and_corrupt_pdfs_fail_permanently(fixture_path, tmp_path, relative, error):
    with pytest.raises(error) as info:
        ocr.make_searchable_pdf(str(fixture_path(relative)), str(tmp_path / "out.pdf"), timeout=120)
    assert info.value.transient is False


def test_a_missing_ocrmypdf_is_named(fixture_path, tmp_path):
    with pytest.raises(ToolMissing) as info:
        ocr.make_searchable_pdf(str(fixture_path("pdf/vi_scan_thong_bao_imageonly.pdf")),
                                str(tmp_path / "out.pdf"), ocrmypdf="/khong/co/ocrmypdf")
    assert "/khong/co/ocrmypdf" in str(info.value)


def test_past_its_time_limit_ocrmypdf_and_its_children_are_stopped(fixture_path, tmp_path):
    started = time.monotonic()
    with pytest.raises(ToolTimeout) as info:
        ocr.make_searchable_pdf(str(fixture_path("images/vi_scan_thong_bao.tif")), str(tmp_path / "out.pdf"),
                                image=True, timeout=0.5)
    assert time.monotonic() - started < 10
    assert info.value.transient is True
    assert not os.path.exists(tmp_path / "out.pdf")


def test_progress_is_reported_while_ocrmypdf_runs(fixture_path, tmp_path):
    seen = []
    source = str(fixture_path("images/vi_scan_thong_bao_p2.png"))
    result = ocr.make_searchable_pdf(source, str(tmp_path / "o.pdf"), image=True, timeout=300,
                                     progress=seen.append, expected_seconds=1000)
    assert seen and all(0 <= fraction <= 0.95 for fraction in seen)
    assert seen == sorted(seen)
    assert result.page_count == 1 and result.pdfa and result.mode == ocr.SKIP_TEXT
    with open(fixture_path("images/vi_scan_thong_bao_p2.png"), "rb") as original:
        assert original.read(8) == b"\x89PNG\r\n\x1a\n"
