"""manage.py import_marc and repository.catalogue.importing: ISO 2709 (UTF-8, MARC-8) and MARCXML
into CatalogueRecord/Holding, NFC text, keys that make a second import update, broken records
reported with their position while the rest are imported."""

import io
import unicodedata

import pymarc
import pytest
from django.core.management import call_command

from repository.catalogue.importing import import_marc_files, iter_file
from repository.catalogue.records import isbn13, record_from_marcxml
from repository.models import CatalogueRecord, Holding

CATALOGUE = "marc/thcs_print_catalogue_nfc.mrc"


def _records(library):
    return {r.control_number or r.isbn: r for r in CatalogueRecord.objects.filter(library=library)}


def _is_nfc(text):
    return unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("nfd_file", ["marc/thcs_print_catalogue_nfd.mrc",
                                      "marc/thcs_print_catalogue_nfd.xml"])
def test_nfc_and_nfd_files_give_identical_nfc_records(school, fixture_path, nfd_file):
    a, b = school["a"], school["b"]
    assert import_marc_files([fixture_path(CATALOGUE)], a).created == 22
    report = import_marc_files([fixture_path(nfd_file)], b)
    assert (report.created, report.failed) == (22, 0)
    nfc, nfd = _records(a), _records(b)
    assert nfc.keys() == nfd.keys()
    raw_nfd = fixture_path(nfd_file).read_bytes().decode("utf-8")
    assert not _is_nfc(raw_nfd)  # the fixture really is decomposed
    for key, record in nfc.items():
        other = nfd[key]
        for column in ("title", "authors", "publisher", "publication_year", "isbn", "ddc", "language"):
            assert getattr(record, column) == getattr(other, column), (key, column)
            assert _is_nfc(getattr(other, column))
        assert _is_nfc(other.marcxml)
        # Same fields, same NFC text (the leader's lengths differ between ISO 2709 and MARCXML).
        assert [str(f) for f in record.as_pymarc().fields] == [str(f) for f in other.as_pymarc().fields]
    assert nfc["VN-THCS01000001"].title == "Tiếng Việt 1: tập một"


def test_second_import_updates_without_duplicates(school, fixture_path):
    library = school["a"]
    first = import_marc_files([fixture_path(CATALOGUE)], library)
    assert (first.created, first.updated, first.failed) == (22, 0, 0)
    again = import_marc_files([fixture_path(CATALOGUE)], library)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 22)
    # The same records as MARCXML (other leader lengths): updated in place, not added.
    xml = import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.xml")], library)
    assert (xml.created, xml.failed) == (0, 0)
    assert xml.updated + xml.unchanged == 22
    assert CatalogueRecord.objects.filter(library=library).count() == 22
    assert Holding.objects.filter(record__library=library).count() == sum(
        len(r.get_fields("852")) for r in pymarc.MARCReader(fixture_path(CATALOGUE).open("rb"))
    )
    # Another library keeps its own copy of the same records.
    import_marc_files([fixture_path(CATALOGUE)], school["b"])
    assert CatalogueRecord.objects.count() == 44


def test_a_file_from_another_library_never_overwrites_the_librarys_own_records(school, fixture_path):
    # The same records (same 001/003) as the library's own, sent by another library (--harvested-from):
    # kept beside them, each origin updated by its own imports only.
    library = school["a"]
    assert import_marc_files([fixture_path(CATALOGUE)], library).created == 22
    sent = import_marc_files([fixture_path(CATALOGUE)], library, source="harvested", source_name="THCS-LL")
    assert (sent.created, sent.updated) == (22, 0)
    assert CatalogueRecord.objects.filter(library=library, source="local").count() == 22
    assert import_marc_files([fixture_path(CATALOGUE)], library).unchanged == 22
    again = import_marc_files([fixture_path(CATALOGUE)], library, source="harvested", source_name="THCS-LL")
    assert again.unchanged == 22 and CatalogueRecord.objects.filter(library=library).count() == 44


def test_changed_and_deleted_records_are_updated(school, fixture_path, tmp_path):
    library = school["a"]
    import_marc_files([fixture_path(CATALOGUE)], library)
    records = list(pymarc.MARCReader(fixture_path(CATALOGUE).open("rb"), to_unicode=True))
    records[0]["245"]["a"] = "Tiếng Việt 1 (in lần hai) :"
    records[1].leader = records[1].leader[:5] + "d" + records[1].leader[6:]
    changed = tmp_path / "changed.mrc"
    changed.write_bytes(b"".join(r.as_marc() for r in records[:2]))
    report = import_marc_files([changed], library)
    assert (report.created, report.updated, report.deleted) == (0, 2, 1)
    first = CatalogueRecord.objects.get(library=library, control_number="VN-THCS01000001")
    assert first.title.startswith("Tiếng Việt 1 (in lần hai)")
    assert CatalogueRecord.objects.get(library=library, control_number="VN-THCS01000002").deleted
    assert CatalogueRecord.objects.active().filter(library=library).count() == 21


def test_marc8_records_are_decoded_to_unicode(school, fixture_path):
    library = school["a"]
    report = import_marc_files([fixture_path("marc/one-marc8.mrc"), fixture_path("marc/marc8.dat")], library)
    assert (report.created, report.failed) == (2, 0)
    portuguese = CatalogueRecord.objects.get(control_number="2196384")
    assert portuguese.title == "Por uma outra globalização: do pensamemto único à consciência universal"
    assert portuguese.authors == "Santos, Mílton"
    assert portuguese.isbn == "9788501058782"  # 020 $a 8501058785 (ISBN-10) as ISBN-13
    english = CatalogueRecord.objects.get(control_number="2")
    stored = record_from_marcxml(english.marcxml)
    assert "De la solitude à la communauté" in stored["240"]["a"]
    assert stored.leader[9] == "a"  # stored as Unicode now
    assert _is_nfc(english.marcxml) and "\u0300" not in english.marcxml


def test_broken_iso2709_records_are_reported_with_position_and_the_rest_imported(
    school, fixture_path, tmp_path
):
    good = [r.as_marc() for r in pymarc.MARCReader(fixture_path(CATALOGUE).open("rb"), to_unicode=True)]
    broken = fixture_path("marc/bad_records.mrc").read_bytes()
    mixed = tmp_path / "mixed.mrc"
    mixed.write_bytes(good[0] + broken + good[1] + good[2][:100])
    report = import_marc_files([mixed], school["a"])
    assert report.created == 2
    assert {r.control_number for r in CatalogueRecord.objects.all()} == {"VN-THCS01000001", "VN-THCS01000002"}
    by_number = {f.number: f for f in report.failures}
    # bad_records.mrc holds 8 records (2 readable but with neither 001 nor ISBN); then good[1], then
    # the truncated good[2].
    assert sorted(by_number) == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert by_number[3].offset == len(good[0]) + 127
    assert "Base address" in by_number[3].reason
    assert "UTF-8" in by_number[6].reason
    assert "001" in by_number[2].reason
    assert by_number[11].offset == len(good[0]) + len(broken) + len(good[1])
    assert "cụt" in by_number[11].reason
    assert all(f.path == str(mixed) for f in report.failures)


def test_invalid_utf8_record_is_refused(school, fixture_path):
    report = import_marc_files([fixture_path("marc/utf8_invalid.mrc")], school["a"])
    assert (report.created, report.failed) == (0, 1)
    assert report.failures[0].number == 1 and "trường con" in report.failures[0].reason
    assert not CatalogueRecord.objects.exists()


def test_marcxml_record_not_well_formed_is_reported_and_the_others_imported(school, fixture_path):
    path = fixture_path("marc/three-records-second-bad.xml")
    report = import_marc_files([path], school["a"])
    # Records 1 and 3 carry the same 001/003: the third updates the first.
    assert (report.created, report.imported, report.failed) == (1, 2, 1)
    failure = report.failures[0]
    assert failure.number == 2
    assert path.read_bytes()[failure.offset:failure.offset + 8] == b"<record>"
    assert "XML" in failure.reason
    assert CatalogueRecord.objects.get().control_number == "afc99990058366"


def test_koha_952_holdings_are_kept(school, fixture_path):
    library = school["a"]
    path = fixture_path("marc/koha_export_952.xml")
    assert import_marc_files([path], library).created == 3
    first = CatalogueRecord.objects.get(library=library, control_number="VN-THCS01000001")
    assert first.copies == 3
    assert first.call_number == "372.6 TIẾ"
    holding = first.holdings.order_by("position").first()
    assert (holding.barcode, holding.home_branch, holding.holding_branch, holding.shelving_location,
            holding.item_type) == ("SGK00010", "THCS01", "THCS01", "Kho mở", "SGK")
    # The third has no 001: keyed by its ISBN, so importing again updates it.
    by_isbn = CatalogueRecord.objects.get(library=library, isbn="9786049099601")
    assert by_isbn.control_number == ""
    assert by_isbn.locations() == [("Kho giáo viên", 1), ("Kho mở", 1)]
    again = import_marc_files([path], library)
    assert (again.created, again.unchanged) == (0, 3)
    assert CatalogueRecord.objects.filter(library=library).count() == 3
    assert Holding.objects.filter(record__library=library).count() == 6


def test_852_holdings_give_call_number_barcode_and_location(school, fixture_path):
    import_marc_files([fixture_path(CATALOGUE)], school["a"])
    record = CatalogueRecord.objects.get(control_number="VN-THCS01000022")
    assert record.copies == 2
    assert [(h.call_number, h.barcode, h.shelving_location) for h in record.holdings.all()] == [
        ("959.7 TRẦ", "SGK00220", "Phòng đọc"), ("959.7 TRẦ", "SGK00221", "Kho giáo viên"),
    ]


def test_files_are_read_one_record_at_a_time(fixture_path):
    # The reader yields the first record before reading the whole stream.
    data = fixture_path(CATALOGUE).read_bytes() * 50
    stream = io.BytesIO(data)
    from repository.catalogue.importing import iter_iso2709

    first = next(iter_iso2709(stream))
    assert first.record is not None and first.number == 1
    assert stream.tell() < len(data) // 10
    assert sum(1 for _ in iter_file(fixture_path("marc/thcs_print_catalogue_nfc.xml"))) == 22


@pytest.mark.parametrize("value,expected", [
    ("978-604-526-018-0 (bìa mềm)", "9786045260180"),
    ("8501058785", "9788501058782"),
    ("0-306-40615-2", "9780306406157"),
    ("9786045260181", ""),  # wrong check digit
    ("abc", ""),
])
def test_isbn13(value, expected):
    assert isbn13(value) == expected


def test_command_prints_summary_and_failures_and_exits_1(school, fixture_path, capsys):
    out = io.StringIO()
    call_command("import_marc", str(fixture_path(CATALOGUE)), "--library", "THCS-ND", stdout=out)
    assert "22 biểu ghi mới" in out.getvalue()
    # The progress display (tqdm's bar, or a percentage) names the file on stderr.
    assert "thcs_print_catalogue_nfc.mrc" in capsys.readouterr().err
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_marc", str(fixture_path("marc/three-records-second-bad.xml")),
                     "--library", "THCS-ND", stdout=out)
    assert exit_info.value.code == 1
    assert "biểu ghi 2 (byte 2770)" in out.getvalue()
    assert "lỗi 1" in out.getvalue()


def test_command_refuses_unknown_library(school, fixture_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_marc", str(fixture_path(CATALOGUE)), "--library", "NOPE")


def test_stored_marcxml_validates_against_marc21slim(school, fixture_path, tmp_path):
    from ..marc_tools import marcxml_schema_errors

    import_marc_files([fixture_path("marc/thcs_print_catalogue_nfd.xml")], school["a"])
    stored = tmp_path / "stored.xml"
    stored.write_text(CatalogueRecord.objects.order_by("pk").first().marcxml, encoding="utf-8")
    assert marcxml_schema_errors(stored) == ""
