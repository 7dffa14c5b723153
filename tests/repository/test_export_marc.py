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


# --- --since: an incremental export with deletions (MARC 21 Leader/05 Record status) -------------


def make_old(*pages, days=10):
    """Date the publication and processing of `pages` `days` days back, as if exported long ago."""
    from datetime import timedelta

    from django.utils import timezone

    from repository.models import MaterialFile, MaterialPage

    old = timezone.now() - timedelta(days=days)
    ids = [page.pk for page in pages]
    MaterialPage.objects.filter(pk__in=ids).update(first_published_at=old, last_published_at=old)
    MaterialFile.objects.filter(materials__pk__in=ids).update(processed_at=old)
    return old


def export_since(tmp_path, since, *extra):
    out = tmp_path / "since.mrc"
    call_command("export_marc", "--since", since, "-o", str(out), *extra, stderr=StringIO())
    return {record["001"].data: record for record in read_iso2709(out.read_bytes())}


def test_since_writes_changed_records_and_deletions(collection, make_material, tmp_path, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.HOCLIEU_MARC_ORG_CODE = "VN-HOCLIEU"
    unchanged = collection["public"]
    edited, unpublished = collection["school_only"], collection["other_library"]
    deleted = make_material(PDF, title="Giáo án sẽ xoá")
    old = timezone.localtime(make_old(unchanged, edited, unpublished, deleted))
    since = (timezone.localtime() - timedelta(days=1)).date().isoformat()

    new = make_material(PDF, title="Giáo án mới")
    edited.title = "Giáo án nội bộ (sửa)"
    edited.save_revision().publish()
    unpublished.unpublish()
    deleted_id = deleted.pk
    deleted.delete()

    records = export_since(tmp_path, since)
    expected_ids = (new.pk, edited.pk, unpublished.pk, deleted_id)
    assert sorted(records) == sorted(control_number(page_id) for page_id in expected_ids)
    assert control_number(unchanged.pk) not in records
    assert control_number(collection["draft"].pk) not in records  # never published: nothing to delete
    status = {number: record.leader[5] for number, record in records.items()}
    assert status[control_number(new.pk)] == status[control_number(edited.pk)] == "n"
    assert status[control_number(unpublished.pk)] == status[control_number(deleted_id)] == "d"
    gone = records[control_number(deleted_id)]
    assert gone["245"]["a"] == "Giáo án sẽ xoá."
    assert gone["003"].data == "VN-HOCLIEU"
    withdrawn = records[control_number(unpublished.pk)]
    assert withdrawn["245"]["a"].startswith("Toán 6")  # the full record, marked deleted
    # 005: the moment it was unpublished, not its last publication ten days ago
    assert withdrawn["005"].data > old.strftime("%Y%m%d%H%M%S")

    # A later run with nothing new since writes nothing.
    later = (timezone.localtime() + timedelta(minutes=1)).isoformat()
    assert export_since(tmp_path, later) == {}


def test_since_republished_material_is_new_again(collection, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    page = collection["public"]
    make_old(*collection.values())
    since = (timezone.localtime() - timedelta(hours=1)).isoformat()
    page.unpublish()
    page.get_latest_revision().publish()
    records = export_since(tmp_path, since)
    assert [record.leader[5] for record in records.values()] == ["n"]
    assert list(records) == [control_number(page.pk)]


def test_since_for_one_library_uses_its_organization_code(collection, school, make_material, tmp_path,
                                                          settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.HOCLIEU_MARC_ORG_CODES = {school["a"].code: "VN-THCSND"}
    gone = make_material(PDF, title="Xoá")
    make_old(*collection.values(), gone)
    since = (timezone.localtime() - timedelta(days=1)).date().isoformat()
    collection["other_library"].unpublish()  # library b: not in library a's export
    gone_id = gone.pk
    gone.delete()

    records = export_since(tmp_path, since, "--library", school["a"].code)
    assert list(records) == [control_number(gone_id)]
    assert records[control_number(gone_id)]["003"].data == "VN-THCSND"


@pytest.mark.parametrize("value", ["hôm qua", "2025-13-01", ""])
def test_since_rejects_what_is_not_a_date(collection, tmp_path, value):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_marc", "--since", value, "-o", str(tmp_path / "x.mrc"), stderr=StringIO())
