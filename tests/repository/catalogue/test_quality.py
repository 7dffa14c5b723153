"""The hub's quality control of catalogue records (issue 8, item 7): each rule on a record that passes
and one that fails, likely duplicates across members, the stored check, the admin report and who may
see it, and the XLSX report read back with openpyxl."""

import copy
import csv
import io
import unicodedata
from pathlib import Path

import openpyxl
import pymarc
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pymarc import Field, Indicators, Subfield

from repository.catalogue import quality
from repository.catalogue.importing import import_marc_files
from repository.choices import Role
from repository.models import CatalogueRecord, CatalogueSource, QualityIssue, QualityRule
from repository.roles import add_member

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
REPORT = "/admin/hoclieu/chat-luong-bieu-ghi/"
# Library b's six records (fixtures/marc/thcs_nsl_catalogue_qc.xml) are books library a holds too, so
# each is a likely duplicate of a's (and a's of it); each has one more fault but the first and last.
EXPECTED = {
    ("VN-THCSNSL000001", "duplicate"), ("VN-THCS01000013", "duplicate"),
    ("VN-THCSNSL000002", "isbn"), ("VN-THCSNSL000002", "duplicate"), ("VN-THCS01000014", "duplicate"),
    ("VN-THCSNSL000003", "ddc_number"), ("VN-THCSNSL000003", "duplicate"), ("VN-THCS01000017", "duplicate"),
    ("VN-THCSNSL000004", "language"), ("VN-THCSNSL000004", "duplicate"), ("VN-THCS01000019", "duplicate"),
    ("VN-THCSNSL000005", "indicators"), ("VN-THCSNSL000005", "required_fields"),
    ("VN-THCSNSL000005", "duplicate"), ("VN-THCS01000020", "duplicate"),
    ("VN-THCSNSL000006", "duplicate"), ("VN-THCS01000018", "duplicate"),
}
ISSUES_OF_B = 12  # the pairs above of b, with two indicator issues for record 5

CHECK = REPORT + "kiem-tra/"


def _read(path):
    with open(path, "rb") as stream:
        return [r for r in pymarc.MARCReader(stream, to_unicode=True, force_utf8=True) if r is not None]


@pytest.fixture(scope="module")
def nfc_records():
    return _read(FIXTURES / "marc/thcs_print_catalogue_nfc.mrc")


@pytest.fixture
def book(nfc_records):
    """A clean book record (Tiếng Việt 1, tập một), a copy the test may change."""
    return copy.deepcopy(nfc_records[0])


def _rules(problems):
    return [problem.rule for problem in problems]


# --- the rules, one by one ------------------------------------------------------------------------


def test_every_record_of_the_clean_catalogue_passes_every_rule(nfc_records):
    for record in nfc_records:
        assert quality.check_record(record) == [], record["001"].data


def test_required_fields_of_a_book(book):
    assert quality.check_required_fields(book) == []
    for tag in ("300", "082"):
        book.remove_fields(tag)
    book.remove_fields("264")
    problems = quality.check_required_fields(book)
    assert _rules(problems) == [QualityRule.REQUIRED_FIELDS] * 3
    assert {p.tag for p in problems} == {"264", "300", "082"}
    assert any("260" in p.message and "264" in p.message for p in problems)


def test_a_book_with_260_instead_of_264_and_without_020_or_100_passes(book):
    field = book["264"]
    book.remove_field(field)
    book.add_ordered_field(Field("260", Indicators(" ", " "), field.subfields))
    book.remove_fields("020")
    assert quality.check_required_fields(book) == []


def test_required_fields_depend_on_the_type_of_record(book):
    book.remove_fields("082", "264")
    assert quality.check_required_fields(book)  # a book needs them
    book.leader = book.leader[:6] + "j" + book.leader[7:]  # musical sound recording
    assert quality.check_required_fields(book) == []
    book.remove_fields("245")
    assert [p.tag for p in quality.check_required_fields(book)] == ["245"]


def test_repeated_245_and_two_main_entries_fail(book):
    book.add_ordered_field(Field("245", Indicators("1", "0"), [Subfield("a", "Nhan đề khác")]))
    book.add_ordered_field(Field("100", Indicators("0", " "), [Subfield("a", "Bùi Mạnh Hùng")]))
    book.add_ordered_field(Field("110", Indicators("2", " "), [Subfield("a", "Nhà xuất bản Giáo dục")]))
    messages = [p.message for p in quality.check_required_fields(book)]
    assert any("245" in m for m in messages) and any("1XX" in m for m in messages)


@pytest.mark.parametrize("number", ["372.6", "372", "973/.0496073", "895.922'3", "510.712"])
def test_ddc_numbers_of_the_right_form_pass(book, number):
    book["082"]["a"] = number
    assert quality.check_ddc_number(book) == []


@pytest.mark.parametrize("number", ["372,6", "37", "[Fic]", "E", "372.", "3726a", "VL 372.6"])
def test_ddc_numbers_of_a_wrong_form_fail(book, number):
    book["082"]["a"] = number
    problems = quality.check_ddc_number(book)
    assert _rules(problems) == [QualityRule.DDC_NUMBER] and number in problems[0].message


def test_language_008_against_041(book):
    assert quality.check_language(book) == []
    data = book["008"].data
    book["008"].data = data[:35] + "eng" + data[38:]
    problems = quality.check_language(book)
    assert _rules(problems) == [QualityRule.LANGUAGE]
    assert "eng" in problems[0].message and "vie" in problems[0].message


def test_language_codes_of_a_wrong_form_fail_and_other_sources_are_not_compared(book):
    book["041"]["a"] = "vieeng"  # two codes run together: one code per $a
    assert _rules(quality.check_language(book)) == [QualityRule.LANGUAGE]
    book["041"]["a"] = "vi"
    book["041"].indicator2 = "7"  # ISO 639-1 with $2: not the MARC list, not compared with 008
    book["041"].add_subfield("2", "iso639-1")
    assert quality.check_language(book) == []
    data = book["008"].data
    book["008"].data = data[:35] + "VI " + data[38:]
    assert _rules(quality.check_language(book)) == [QualityRule.LANGUAGE]


@pytest.mark.parametrize("isbn", ["9786045260180", "978-604-526-018-0 (bìa mềm)", "0253325528",
                                  "080442957X", "9791090636071"])
def test_valid_isbns_pass(book, isbn):
    book["020"]["a"] = isbn
    assert quality.check_isbn(book) == []


@pytest.mark.parametrize("isbn", ["9786045260181", "0253325527", "9776045260180", "97860452601", "ISBN"])
def test_wrong_isbns_fail(book, isbn):
    book["020"]["a"] = isbn
    assert _rules(quality.check_isbn(book)) == [QualityRule.ISBN]


def test_a_cancelled_isbn_in_020_z_is_not_checked(book):
    book["020"].add_subfield("z", "9786045260181")
    assert quality.check_isbn(book) == []


def test_nfd_catalogue_fails_nfc_and_its_nfc_form_passes(fixture_path):
    records = _read(fixture_path("marc/thcs_print_catalogue_nfd.mrc"))
    assert len(records) == 22
    for record in records:
        problems = quality.check_nfc(record)
        assert _rules(problems) == [QualityRule.NFC], record["001"].data
        assert "245 $a" in problems[0].message
        # The example is shown in NFC so the librarian can read it.
        assert unicodedata.is_normalized("NFC", problems[0].message)
    nfc = _read(fixture_path("marc/thcs_print_catalogue_nfc.mrc"))
    assert [quality.check_nfc(record) for record in nfc] == [[]] * 22


def test_bad_indicators_of_pymarcs_sample_fail(fixture_path):
    record = _read(fixture_path("marc/bad_indicator.dat"))[0]
    problems = quality.check_indicators(record)
    assert sorted((p.tag, p.rule) for p in problems) == [("100", "indicators"), ("260", "indicators")]
    message = next(p.message for p in problems if p.tag == "100")
    assert "chỉ thị 2" in message and "“0”" in message


def test_indicators_of_the_clean_book_pass_and_a_wrong_one_fails(book):
    assert quality.check_indicators(book) == []
    book["245"].indicator1 = "2"
    assert [(p.rule, p.tag) for p in quality.check_indicators(book)] == [(QualityRule.INDICATORS, "245")]


def test_subfield_validity(book):
    assert quality.check_subfields(book) == []
    book["245"].add_subfield("z", "không có trong 245")
    book["020"].add_subfield("a", "9786045260180")  # 020 $a is not repeatable
    book["300"].add_subfield("b", " ")  # empty subfield
    messages = [p.message for p in quality.check_subfields(book)]
    assert len(messages) == 3
    assert any("$z" in m for m in messages) and any("020" in m and "$a" in m for m in messages)


# --- checking the catalogue: duplicates, stored issues, the report -----------------------------------


@pytest.fixture
def network_catalogues(school, fixture_path):
    """Library a's catalogue (22 clean records) and library b's (6 records, each with one fault);
    library a is the network's hub."""
    import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.mrc")], school["a"])
    report = import_marc_files([fixture_path("marc/thcs_nsl_catalogue_qc.xml")], school["b"])
    assert report.created == 6 and not report.failures
    school["network"].hub = school["a"]
    school["network"].save()
    return school


def _librarian(username, library):
    user = get_user_model().objects.create_user(username, password="pw")
    add_member(user, library, Role.LIBRARIAN)
    return user


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_check_finds_each_fault_and_duplicates_across_members(network_catalogues):
    school = network_catalogues
    summary = quality.check_libraries([school["a"].pk, school["b"].pk])
    assert summary.checked == 28
    issues = {(i.record.control_number, i.rule) for i in QualityIssue.objects.select_related("record")}
    assert issues == EXPECTED
    assert summary.failing == 12 and summary.issues == ISSUES_OF_B + 6
    by_isbn = QualityIssue.objects.get(record__control_number="VN-THCSNSL000001")
    assert by_isbn.duplicate_of.control_number == "VN-THCS01000013"
    assert "ISBN 9786042233071" in by_isbn.message
    # No ISBN, the title in capitals: the same folded title, first author and year.
    by_title = QualityIssue.objects.get(record__control_number="VN-THCSNSL000006")
    assert by_title.duplicate_of.control_number == "VN-THCS01000018"
    assert "nhan đề" in by_title.message and school["a"].code in by_title.message
    assert CatalogueRecord.objects.filter(quality_checked_at=None).count() == 0
    # A second check replaces the first's issues.
    quality.check_libraries([school["b"].pk])
    assert QualityIssue.objects.filter(record__library=school["b"]).count() == ISSUES_OF_B


def test_duplicates_within_one_member_are_not_reported(school, fixture_path):
    import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.mrc")], school["a"])
    record = CatalogueRecord.objects.get(control_number="VN-THCS01000001")
    CatalogueRecord.objects.create(library=school["a"], control_number="X1", title=record.title,
                                   isbn=record.isbn, marcxml=record.marcxml)
    quality.check_libraries([school["a"].pk])
    assert not QualityIssue.objects.filter(rule=QualityRule.DUPLICATE).exists()


def test_a_harvested_record_is_its_source_members_and_may_duplicate_the_holders_own(school, fixture_path):
    import_marc_files([fixture_path("marc/koha_export_952.xml")], school["a"])
    for record in CatalogueRecord.objects.filter(library=school["a"]):  # as harvested from b's Koha
        CatalogueRecord.objects.create(
            library=school["a"], source=CatalogueSource.HARVESTED, source_name="THCS-LL Koha",
            control_number=f"LL{record.pk}", control_number_identifier="VN-THCSLL", isbn=record.isbn,
            title=record.title, authors=record.authors, publication_year=record.publication_year,
            marcxml=record.marcxml)
    quality.check_libraries([school["a"].pk])
    harvested = QualityIssue.objects.filter(rule=QualityRule.DUPLICATE, record__source="harvested")
    assert harvested.count() == 3
    assert all(f"{school['a'].code} ← THCS-LL Koha" == i.record.member_label for i in harvested)


def _refused(response):
    return response.status_code == 404 or (
        response.status_code == 302 and response["Location"].startswith("/admin/login/"))


def _csv_rows(user, **params):
    """The libraries (first column) of the rows of the report's CSV export as `user` sees it."""
    response = _client(user).get(REPORT, {"export": "csv", **params})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    return {row[0] for row in csv.reader(lines[1:])}


def test_report_isolation(network_catalogues):
    school = network_catalogues
    quality.check_libraries([school["a"].pk, school["b"].pk])
    hub_librarian = school["librarian"]  # librarian of a, the hub
    member_librarian = _librarian("thuvien_b", school["b"])
    outsider_librarian = _librarian("thuvien_xa", school["outsider"])

    a, b = school["a"].code, school["b"].code
    assert _csv_rows(hub_librarian) == {a, b}  # every member
    assert "VN-THCSNSL000002" in _client(hub_librarian).get(REPORT).content.decode()
    assert _csv_rows(member_librarian) == {b}  # only its own
    # Filtering by another library does not widen what it sees (the choice is not offered).
    assert _csv_rows(member_librarian, library=school["a"].pk) <= {b}
    text = _client(outsider_librarian).get(REPORT).content.decode()
    assert "VN-THCS" not in text and _csv_rows(outsider_librarian) == set()

    # Once a is no longer the hub, its librarian sees only a's records.
    school["network"].hub = None
    school["network"].save()
    assert _csv_rows(hub_librarian) == {a}

    # Staff who are not librarians get 404; students and anonymous users have no admin at all and
    # are sent to the admin's login page, as everywhere in the admin.
    for name in ("teacher", "principal", "reviewer_b", "student", "student_b"):
        client = _client(school[name])
        for response in (client.get(REPORT), client.get(REPORT, {"export": "xlsx"}), client.post(CHECK)):
            assert _refused(response), name
            assert b"VN-THCS" not in response.content
    assert _refused(Client().get(REPORT))
    assert QualityIssue.objects.count() == ISSUES_OF_B + 6  # the refused checks changed nothing


def test_report_filters_by_rule_and_library(network_catalogues, admin_user):
    school = network_catalogues
    quality.check_libraries([school["a"].pk, school["b"].pk])
    text = _client(admin_user).get(REPORT, {"rule": "isbn"}).content.decode()
    assert "VN-THCSNSL000002" in text and "VN-THCSNSL000003" not in text
    assert _csv_rows(admin_user, library=school["a"].pk) == {school["a"].code}
    assert _csv_rows(admin_user, library=school["b"].pk, rule="language") == {school["b"].code}


def test_check_button_checks_the_users_libraries_only(network_catalogues):
    school = network_catalogues
    member_librarian = _librarian("thuvien_b", school["b"])
    response = _client(member_librarian).post(CHECK)
    assert response.status_code == 302
    assert QualityIssue.objects.filter(record__library=school["b"]).count() == ISSUES_OF_B
    assert not CatalogueRecord.objects.filter(library=school["a"]).exclude(quality_checked_at=None).exists()


def test_xlsx_export_has_one_sheet_per_member_library(network_catalogues):
    school = network_catalogues
    quality.check_libraries([school["a"].pk, school["b"].pk])
    response = _client(school["librarian"]).get(REPORT, {"export": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == sorted([school["a"].code, school["b"].code])
    rows = list(workbook[school["b"].code].iter_rows(values_only=True))
    assert rows[0][:6] == ("Số kiểm soát (001)", "Mã cơ quan (003)", "Nhan đề", "Quy tắc", "Trường", "Lỗi")
    assert ("VN-THCSNSL000003", "VN-THCSNSL", "Mắt biếc", "Chỉ số DDC (082 $a) sai dạng", "082") in {
        row[:5] for row in rows[1:]}
    assert len(rows) == 1 + ISSUES_OF_B
    # The member's librarian gets only its own sheet.
    response = _client(_librarian("thuvien_b", school["b"])).get(REPORT, {"export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [school["b"].code]


def test_command_writes_the_network_report(network_catalogues, tmp_path, capsys):
    school = network_catalogues
    output = tmp_path / "qc.xlsx"
    with pytest.raises(SystemExit) as exit_info:
        call_command("catalogue_quality", "--network", school["network"].code, "-o", str(output))
    assert exit_info.value.code == 1
    assert "28" in capsys.readouterr().out
    workbook = openpyxl.load_workbook(output)
    assert workbook.sheetnames == sorted([school["a"].code, school["b"].code])
    rows = [row for sheet in workbook for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == ISSUES_OF_B + 6
    assert {row[0] for row in rows if row[3] == "ISBN sai số kiểm tra"} == {"VN-THCSNSL000002"}


def test_command_for_one_clean_library_exits_0(school, fixture_path, tmp_path):
    import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.mrc")], school["a"])
    output = tmp_path / "qc.xlsx"
    call_command("catalogue_quality", "--library", school["a"].code, "-o", str(output))
    workbook = openpyxl.load_workbook(output)
    assert [len(list(sheet.iter_rows())) for sheet in workbook] == [1]


def test_superuser_names_the_hub_which_must_belong_to_the_network(school, admin_user):
    client = _client(admin_user)
    url = reverse("library_networks:edit", args=(school["network"].pk,))
    data = {"name": school["network"].name, "code": school["network"].code}
    # The form offers only the network's members; a non-member posted anyway is refused.
    assert f'value="{school["outsider"].pk}"' not in client.get(url).content.decode()
    response = client.post(url, {**data, "hub": school["outsider"].pk})
    assert response.status_code == 200 and response.context["form"].errors.get("hub")
    school["network"].refresh_from_db()
    assert school["network"].hub is None
    assert client.post(url, {**data, "hub": school["b"].pk}).status_code == 302
    school["network"].refresh_from_db()
    assert school["network"].hub == school["b"]


def test_menu_shows_the_union_catalogue_and_the_report_to_librarians_only(school):
    for name, shown in (("librarian", True), ("teacher", False), ("principal", False)):
        html = _client(school[name]).get(reverse("wagtailadmin_home")).content.decode()
        for url in (reverse("hoclieu_union_catalogue"), REPORT):
            assert (url in html) is shown, (name, url)


# --- checked without the button: after each import (and each harvest, tests/exchange) ------------


def _stored_issues():
    return sorted(QualityIssue.objects.values_list("record_id", "rule", "tag", "message", "duplicate_of_id"))


def _import(path, library):
    call_command("import_marc", str(path), "--library", library.code, "--no-progress", stdout=io.StringIO())


def test_import_marc_checks_the_records_it_changed_and_a_corrected_record_loses_its_issue(
        school, fixture_path, tmp_path):
    _import(fixture_path("marc/thcs_print_catalogue_nfc.mrc"), school["a"])
    assert not QualityIssue.objects.exists()  # a clean catalogue, checked
    assert not CatalogueRecord.objects.filter(quality_checked_at=None).exists()
    _import(fixture_path("marc/thcs_nsl_catalogue_qc.xml"), school["b"])
    issues = {(i.record.control_number, i.rule) for i in QualityIssue.objects.select_related("record")}
    assert issues == EXPECTED  # b's faults, and the duplicates they make of a's records too
    automatic = _stored_issues()
    quality.check_libraries([school["a"].pk, school["b"].pk])
    assert _stored_issues() == automatic  # what the button stores

    # b corrects its file: record 1 deleted (leader/05 d), record 3's DDC number, record 6's title.
    text = fixture_path("marc/thcs_nsl_catalogue_qc.xml").read_text(encoding="utf-8")
    text = (text.replace("<leader>00901nam", "<leader>00901dam").replace("895,9223", "895.9223")
            .replace("GÓC SÂN VÀ KHOẢNG TRỜI", "GÓC SÂN TRƯỜNG EM"))
    corrected = tmp_path / "qc.xml"
    corrected.write_text(text, encoding="utf-8")
    _import(corrected, school["b"])
    issues = {(i.record.control_number, i.rule) for i in QualityIssue.objects.select_related("record")}
    assert issues == EXPECTED - {
        ("VN-THCSNSL000001", "duplicate"), ("VN-THCS01000013", "duplicate"),
        ("VN-THCSNSL000003", "ddc_number"),
        ("VN-THCSNSL000006", "duplicate"), ("VN-THCS01000018", "duplicate"),
    }
    automatic = _stored_issues()
    quality.check_libraries([school["a"].pk, school["b"].pk])
    assert _stored_issues() == automatic


def test_check_changed_records_leaves_the_unchanged_alone(network_catalogues):
    school = network_catalogues
    quality.check_libraries([school["a"].pk, school["b"].pk])
    assert quality.changed_records([school["a"].pk, school["b"].pk]).count() == 0
    assert quality.check_changed_records([school["b"].pk]) == quality.CheckSummary()
    record = CatalogueRecord.objects.get(control_number="VN-THCSNSL000002")
    record.save()
    summary = quality.check_changed_records([school["a"].pk, school["b"].pk])
    assert (summary.checked, summary.failing) == (1, 1)
