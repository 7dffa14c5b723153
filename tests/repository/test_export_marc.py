"""The export_marc management command and repository.marc.export."""

from io import BytesIO, StringIO

import pymarc
import pytest
from django.core.management import CommandError, call_command

from repository.marc import FORMAT_MARCXML, UnknownLibrary, control_number, export_records

PDF = "pdf/maint-guide.vi.pdf"


@pytest.fixture
def collection(make_material, school):
    """Published materials of library a (public and school-only), one of library b, and a draft."""
    return {
        "public": make_material(PDF, title="Phân số", access_level="public"),
        "school_only": make_material(PDF, title="Giáo án nội bộ", access_level="school"),
        "other_library": make_material(
            PDF, title="Toán 6", parent=school["index_b"], owner=school["reviewer_b"]
        ),
        "draft": make_material(PDF, title="Bản nháp", publish=False),
    }


def control_numbers(records):
    return [record["001"].data for record in records]


def expected(collection, *names):
    return sorted((collection[name] for name in names), key=lambda page: page.pk)


def read_iso2709(data):
    return list(pymarc.MARCReader(BytesIO(data), to_unicode=True, force_utf8=True))


def test_exports_every_published_record_in_id_order_to_a_file(collection, tmp_path):
    out = tmp_path / "hoclieu.mrc"
    stderr = StringIO()
    call_command("export_marc", "-o", str(out), stderr=stderr)

    records = read_iso2709(out.read_bytes())
    published = expected(collection, "public", "school_only", "other_library")
    assert control_numbers(records) == [control_number(page.pk) for page in published]
    assert control_number(collection["draft"].pk) not in control_numbers(records)
    assert "3" in stderr.getvalue()
    assert not (tmp_path / "hoclieu.mrc.tmp").exists()


def test_exports_marcxml(collection, tmp_path):
    out = tmp_path / "hoclieu.xml"
    call_command("export_marc", "--format", "marcxml", "-o", str(out), stderr=StringIO())

    records = pymarc.parse_xml_to_array(str(out), strict=True)
    published = expected(collection, "public", "school_only", "other_library")
    assert control_numbers(records) == [control_number(page.pk) for page in published]
    assert {r.title for r in records} == {"Phân số /", "Giáo án nội bộ /", "Toán 6 /"}


def test_writes_binary_to_standard_output(collection, capsysbinary):
    call_command("export_marc")
    captured = capsysbinary.readouterr()
    records = read_iso2709(captured.out)
    assert len(records) == 3
    assert "Bản nháp" not in {r.title for r in records}


def test_standard_output_as_text_stream(collection):
    stdout = StringIO()
    call_command("export_marc", "--format", "marcxml", stdout=stdout, stderr=StringIO())
    records = pymarc.parse_xml_to_array(BytesIO(stdout.getvalue().encode("utf-8")), strict=True)
    assert len(records) == 3


def test_library_filter(collection, school, tmp_path):
    out = tmp_path / "ll.mrc"
    call_command("export_marc", "--library", school["b"].code, "-o", str(out), stderr=StringIO())
    assert control_numbers(read_iso2709(out.read_bytes())) == [control_number(collection["other_library"].pk)]

    with pytest.raises(CommandError, match="KHONG-CO"):
        call_command("export_marc", "--library", "KHONG-CO", "-o", str(out), stderr=StringIO())
    with pytest.raises(UnknownLibrary):
        export_records(BytesIO(), library_code="KHONG-CO")


def test_base_url_option(collection, tmp_path):
    out = tmp_path / "base.mrc"
    call_command("export_marc", "--base-url", "https://hoclieu.example.vn", "-o", str(out), stderr=StringIO())
    urls = [record["856"]["u"] for record in read_iso2709(out.read_bytes())]
    assert urls and all(url.startswith("https://hoclieu.example.vn/") for url in urls)


def test_failed_export_leaves_the_previous_file(collection, make_material, tmp_path):
    out = tmp_path / "hoclieu.mrc"
    out.write_bytes(b"previous export")
    make_material(PDF, summary="Một bản tóm tắt rất dài. " * 6000)  # over ISO 2709's 99,999 bytes

    with pytest.raises(CommandError, match="99999"):
        call_command("export_marc", "-o", str(out), stderr=StringIO())
    assert out.read_bytes() == b"previous export"
    assert not (tmp_path / "hoclieu.mrc.tmp").exists()

    # MARCXML has no length limit: the same collection exports.
    xml_out = tmp_path / "hoclieu.xml"
    call_command("export_marc", "--format", FORMAT_MARCXML, "-o", str(xml_out), stderr=StringIO())
    assert len(pymarc.parse_xml_to_array(str(xml_out))) == 4


def test_export_records_counts(collection):
    stream = BytesIO()
    assert export_records(stream, fmt=FORMAT_MARCXML) == 3
    with pytest.raises(ValueError):
        export_records(BytesIO(), fmt="json")
