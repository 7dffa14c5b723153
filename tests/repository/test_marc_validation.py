"""Exported records pass independent MARC checkers: yaz-marcdump, MARC::Lint and the MARC21slim schema.

One record for every material type and every kind of file Hoclieu takes, plus the cases that give
other fields: a library as creator (110/710), an English title with an article and a subtitle, a
Koha item type (942), an unpublished material and a deleted one (leader/05 "d").
"""

from datetime import timedelta
from io import BytesIO

import pymarc
import pytest
from django.utils import timezone

from repository.choices import MaterialType
from repository.marc import as_iso2709, as_marcxml, build_deleted_record, build_record

from .marc_tools import marclint_warnings, marcxml_schema_errors, yaz_marcdump_problems

PDF = "pdf/maint-guide.vi.pdf"

# (material type, fixture) pairs: every material type, and every file kind a type may hold.
CASES = [
    (MaterialType.LESSON_PLAN, PDF),
    (MaterialType.LESSON_PLAN, "office/test.docx"),
    (MaterialType.SLIDES, "office/test.pptx"),
    (MaterialType.SLIDES, PDF),
    (MaterialType.AUDIOBOOK, "audio/sach_noi_espeak_vi.mp3"),
    (MaterialType.AUDIOBOOK, "audio/chapters_test.m4b"),
    (MaterialType.AUDIOBOOK, "audio/jfk.flac"),
    (MaterialType.DIGITISED, PDF),
    (MaterialType.DIGITISED, "audio/spk1_snt1.wav"),
    (MaterialType.VIDEO, PDF),
]


def as_video(page):
    """`page` with its file described as a video of 25 minutes (the pipeline has no video probe yet)."""
    page.file.media_kind = "video"
    page.file.duration_seconds = 1500
    page.file.save()
    return page


@pytest.fixture
def every_kind_of_record(make_material, school, settings):
    settings.HOCLIEU_MARC_KOHA_ITEM_TYPES = {"audiobook": "SN", "slides": "BG"}
    records = []
    for material_type, fixture in CASES:
        page = make_material(
            fixture, material_type=material_type, title="Bài giảng điện tử: Phân số (Toán 6)",
            creators="Nguyễn Thị Lan\nTrần Văn Bình", ddc="372.7", textbook_series="kntt",
            lesson="Bài 1", school_year="2025-2026", semester=1, summary="Tóm tắt.",
            rights="CC-BY-4.0", rights_holder=school["a"].name,
        )
        page.keywords.add("phân số")
        page.save()
        records.append(build_record(page))
    records.append(build_record(as_video(make_material(PDF, material_type=MaterialType.VIDEO))))
    records.append(build_record(make_material(
        "audio/jfk.flac", material_type=MaterialType.AUDIOBOOK, language="eng",
        title="The Inaugural Address: January 20, 1961", creators=f"{school['a'].name}\nJohn F. Kennedy",
    )))
    records.append(build_record(make_material(
        PDF, material_type=MaterialType.DIGITISED, language="eng", title="An English reader",
        creators="Thư viện trường THCS Nguyễn Du\nSở Giáo dục và Đào tạo TP Hồ Chí Minh",
        access_level="group",
    )))
    unpublished = make_material(PDF, title="Giáo án đã gỡ")
    unpublished.unpublish()
    records.append(build_record(unpublished, deleted=True))
    now = timezone.now()
    records.append(build_deleted_record(99999, "Giáo án đã xoá", now, entered=now - timedelta(days=30)))
    return records


def test_every_kind_of_record_passes_yaz_marclint_and_the_schema(every_kind_of_record, tmp_path):
    records = every_kind_of_record
    assert {r.leader[6] for r in records} == {"a", "i", "g"}
    assert {r.leader[5] for r in records} == {"n", "d"}
    for tag in ("100", "110", "710", "245", "347", "942"):
        assert any(r.get(tag) for r in records), tag

    iso = tmp_path / "records.mrc"
    iso.write_bytes(as_iso2709(records))
    xml = tmp_path / "records.xml"
    xml.write_bytes(as_marcxml(records))

    assert yaz_marcdump_problems(iso) == ""
    assert marclint_warnings(iso) == ""
    assert marcxml_schema_errors(xml) == ""
    assert len(pymarc.parse_xml_to_array(BytesIO(xml.read_bytes()), strict=True)) == len(records)


# The checkers themselves: each must see a fault of its kind, or a pass above would mean nothing.


def test_checkers_report_faults(make_material, tmp_path):
    record = build_record(make_material(PDF, title="Phân số"))
    record["245"].indicators = pymarc.Indicators("1", "4")  # "Phân" is no article: MARC::Lint warns
    record["245"]["c"] = "Nguyễn Thị Lan"  # no final period
    lint = tmp_path / "lint.mrc"
    lint.write_bytes(as_iso2709(record))
    warnings = marclint_warnings(lint)
    assert "245: Must end with . (period)." in warnings
    assert "check 2nd indicator" in warnings

    broken = tmp_path / "broken.mrc"
    data = as_iso2709(record)
    broken.write_bytes(b"9" + data[1:])  # a record length that does not match the data
    assert yaz_marcdump_problems(broken) != ""

    invalid = tmp_path / "invalid.xml"
    invalid.write_bytes(as_marcxml(record).replace(b"<leader>", b"<leader>x", 1))  # 25-character leader
    assert marcxml_schema_errors(invalid) != ""
