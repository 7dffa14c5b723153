"""Content sniffing on the real fixture files: formats, empty files, content/extension mismatch."""

import io
import zipfile

import pytest

from media_pipeline import detect
from media_pipeline.errors import ContentMismatch, EmptyFile, MediaError, UnknownFormat


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("pdf/maint-guide.vi.pdf", detect.PDF),
        ("pdf/password-example.pdf", detect.PDF),
        ("broken/invalid.pdf", detect.PDF),
        ("office/test.docx", detect.DOCX),
        ("office/tbl-having-tables.docx", detect.DOCX),
        ("office/test.pptx", detect.PPTX),
        ("office/pptx-tbl-cell.pptx", detect.PPTX),
        ("audio/auphonic_chapter_marks_demo.mp3", detect.MP3),
        ("audio/id3_frames.mp3", detect.MP3),
        ("audio/sach_noi_espeak_vi.mp3", detect.MP3),
        ("audio/chapters_test.m4b", detect.MP4_AUDIO),
        ("audio/jfk.flac", detect.FLAC),
        ("audio/spk1_snt1.wav", detect.WAV),
        ("audio/generated_espeak_vi_xin_chao.wav", detect.WAV),
        ("broken/UTF16.mp3", detect.MP3),  # ID3 tag, no audio frame: decoding says why it fails
    ],
)
def test_sniff_recognises_fixture(fixture_path, relative, expected):
    assert detect.sniff_path(fixture_path(relative)) == expected
    with open(fixture_path(relative), "rb") as fileobj:
        assert detect.detect(fileobj, relative) == expected


def test_sniff_restores_position(fixture_path):
    with open(fixture_path("office/test.pptx"), "rb") as fileobj:
        fileobj.seek(17)
        detect.sniff(fileobj)
        assert fileobj.tell() == 17


def test_mpeg_frame_without_id3_is_mp3(fixture_path):
    """Strip the ID3v2 tag: the frame sync rule alone must find the MPEG audio frames."""
    data = fixture_path("audio/sach_noi_espeak_vi.mp3").read_bytes()
    if data.startswith(b"ID3"):
        size = detect._syncsafe(data[6:10]) + 10
        data = data[size:]
    assert detect.sniff(io.BytesIO(data)) == detect.MP3


def test_empty_file_is_refused(fixture_path):
    with open(fixture_path("broken/empty.pdf"), "rb") as fileobj, pytest.raises(EmptyFile) as info:
        detect.detect(fileobj, "empty.pdf")
    assert info.value.code == "empty_file"
    assert "rỗng" in str(info.value)


def test_pptx_named_pdf_is_a_mismatch_naming_both(fixture_path):
    with open(fixture_path("broken/slides_named_as.pdf"), "rb") as fileobj:
        with pytest.raises(ContentMismatch) as info:
            detect.detect(fileobj, "slides_named_as.pdf")
    message = str(info.value)
    assert info.value.code == "content_mismatch"
    assert "PPTX" in message and ".pdf" in message


def test_pdf_named_mp3_is_a_mismatch_naming_both(fixture_path):
    with open(fixture_path("broken/pdf_named_as.mp3"), "rb") as fileobj:
        with pytest.raises(ContentMismatch) as info:
            detect.detect(fileobj, "pdf_named_as.mp3")
    assert "PDF" in str(info.value) and ".mp3" in str(info.value)


def test_m4b_and_m4a_extensions_are_both_accepted(fixture_path):
    for name in ("book.m4b", "book.M4A"):
        with open(fixture_path("audio/chapters_test.m4b"), "rb") as fileobj:
            assert detect.detect(fileobj, name) == detect.MP4_AUDIO


def test_unknown_content_names_the_extension():
    with pytest.raises(UnknownFormat) as info:
        detect.detect(io.BytesIO(b"just some plain text, not a document\n" * 10), "notes.docx")
    assert ".docx" in str(info.value)
    assert isinstance(info.value, MediaError)


def test_zip_that_is_not_ooxml_is_unknown():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnknownFormat):
        detect.detect(buffer, "lesson.docx")


@pytest.mark.parametrize(("relative", "fmt"), [
    ("images/vi_scan_thong_bao.tif", detect.TIFF),
    ("images/phototest.tif", detect.TIFF),
    ("images/vi_scan_thong_bao_p1.jpg", detect.JPEG),
    ("images/vi_scan_thong_bao_p2.png", detect.PNG),
    ("images/linn.png", detect.PNG),
])
def test_page_images_are_sniffed(fixture_path, relative, fmt):
    with open(fixture_path(relative), "rb") as fileobj:
        assert detect.sniff(fileobj) == fmt
        assert detect.detect(fileobj, fixture_path(relative).name) == fmt
    assert detect.kind_of(fmt) == "image"


def test_tiff_extension_in_both_spellings(fixture_path):
    for name in ("trang.tif", "trang.TIFF"):
        with open(fixture_path("images/phototest.tif"), "rb") as fileobj:
            assert detect.detect(fileobj, name) == detect.TIFF


def test_kind_of():
    assert detect.kind_of(detect.FLAC) == "audio"
    assert detect.kind_of(detect.PPTX) == "pptx"
