"""Copy cataloguing (issue 8, item 6): a member's librarian finds a record in the union catalogue and
copies it into their own catalogue, with its own 001/003 and the source in 035; nobody copies from
outside their network or into another library."""

import pymarc
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from repository.catalogue import quality
from repository.catalogue.copying import CopyRefused, copy_record
from repository.catalogue.importing import import_marc_files
from repository.catalogue.records import record_as_marcxml
from repository.choices import Role
from repository.models import CatalogueRecord, QualityIssue
from repository.roles import add_member

from ..marc_tools import marclint_warnings, marcxml_schema_errors, yaz_marcdump_problems

UNION = "/admin/hoclieu/muc-luc-lien-hop/"


@pytest.fixture
def catalogues(school, fixture_path, settings):
    """Library a's print catalogue (Koha export, with 952 items), one record of the library outside
    the network, and a librarian for b and for the outsider."""
    settings.HOCLIEU_MARC_ORG_CODES = {"THCS-LL": "VN-THCSLL"}
    import_marc_files([fixture_path("marc/koha_export_952.xml")], school["a"])
    import_marc_files([fixture_path("marc/thcs_nsl_catalogue_qc.xml")], school["outsider"])
    User = get_user_model()
    school["librarian_b"] = User.objects.create_user("thuvien_b", password="pw")
    add_member(school["librarian_b"], school["b"], Role.LIBRARIAN)
    school["librarian_outsider"] = User.objects.create_user("thuvien_xa", password="pw")
    add_member(school["librarian_outsider"], school["outsider"], Role.LIBRARIAN)
    school["source"] = CatalogueRecord.objects.get(library=school["a"], control_number="VN-THCS01000001")
    school["foreign"] = CatalogueRecord.objects.filter(library=school["outsider"]).first()
    return school


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_copy_keeps_the_record_with_its_own_number_and_the_source_in_035(catalogues):
    source = catalogues["source"]
    copy = copy_record(source, catalogues["b"])
    assert copy.library == catalogues["b"] and copy.source == "local"
    assert copy.control_number == f"HLC{copy.pk:08d}" and copy.control_number_identifier == "VN-THCSLL"
    assert (copy.title, copy.isbn, copy.ddc, copy.authors) == (source.title, source.isbn, source.ddc,
                                                              source.authors)
    assert copy.holdings.count() == 0 and source.holdings.count() == 3
    record = copy.as_pymarc()
    assert record["001"].data == copy.control_number and record["003"].data == "VN-THCSLL"
    assert [f["a"] for f in record.get_fields("035")] == ["(VN-THCS01)VN-THCS01000001"]
    assert record.get_fields("952", "852") == []
    assert record["040"].get_subfields("d") == ["VN-THCSLL"]
    assert record.leader[5] == "n"
    assert quality.check_record(record) == []
    # The source is untouched; a second copy is a record of its own.
    source.refresh_from_db()
    assert source.library == catalogues["a"] and "035" not in source.marcxml
    assert copy_record(source, catalogues["b"]).control_number != copy.control_number


def test_a_copy_and_its_source_are_not_reported_as_duplicates(catalogues):
    copy = copy_record(catalogues["source"], catalogues["b"])
    other = CatalogueRecord.objects.get(library=catalogues["a"], control_number="VN-THCS01000002")
    CatalogueRecord.objects.create(library=catalogues["b"], control_number="LL-9", isbn=other.isbn,
                                   title=other.title, marcxml=other.marcxml)  # catalogued again by hand
    quality.check_libraries([catalogues["a"].pk, catalogues["b"].pk])
    duplicates = {issue.record.control_number for issue in QualityIssue.objects.filter(rule="duplicate")}
    assert duplicates == {"LL-9", "VN-THCS01000002"}
    assert copy.control_number not in duplicates


def test_the_copy_passes_the_independent_marc_checkers(catalogues, tmp_path):
    copy = copy_record(catalogues["source"], catalogues["b"])
    record = copy.as_pymarc()
    iso = tmp_path / "copy.mrc"
    with open(iso, "wb") as stream:
        writer = pymarc.MARCWriter(stream)
        writer.write(record)
        writer.close(close_fh=False)
    assert yaz_marcdump_problems(iso) == ""
    assert marclint_warnings(iso) == ""
    xml = tmp_path / "copy.xml"
    xml.write_text('<collection xmlns="http://www.loc.gov/MARC21/slim">'
                   + record_as_marcxml(record).replace(' xmlns="http://www.loc.gov/MARC21/slim"', "")
                   + "</collection>", encoding="utf-8")
    assert marcxml_schema_errors(xml) == ""


def test_a_source_without_001_gets_no_035(catalogues):
    source = CatalogueRecord.objects.get(library=catalogues["a"], control_number="")
    record = copy_record(source, catalogues["b"]).as_pymarc()
    assert record.get_fields("035") == []


def test_copying_from_outside_the_network_or_ones_own_record_is_refused(catalogues):
    with pytest.raises(CopyRefused):
        copy_record(catalogues["foreign"], catalogues["b"])
    with pytest.raises(CopyRefused):
        copy_record(catalogues["source"], catalogues["a"])
    with pytest.raises(CopyRefused):
        copy_record(catalogues["source"], catalogues["outsider"])
    catalogues["source"].deleted = True
    catalogues["source"].save()
    with pytest.raises(CopyRefused):
        copy_record(catalogues["source"], catalogues["b"])
    assert not CatalogueRecord.objects.filter(library=catalogues["b"]).exists()


def test_librarian_finds_the_record_in_the_union_catalogue_and_copies_it(catalogues):
    client = _client(catalogues["librarian_b"])
    text = client.get(UNION, {"q": "tieng viet"}).content.decode()
    assert "Tiếng Việt 1: tập một" in text and "Toán 1" not in text
    assert catalogues["foreign"].title not in client.get(UNION).content.decode()
    url = f"{UNION}{catalogues['source'].pk}/"
    assert "data-copy-form" in client.get(url).content.decode()
    response = client.post(url, {"library": catalogues["b"].pk})
    copy = CatalogueRecord.objects.get(library=catalogues["b"])
    assert response.status_code == 302
    assert response["Location"] == f"/admin/catalogue_records/inspect/{copy.pk}/"
    assert client.get(response["Location"]).status_code == 200
    # b's own records are not in its union catalogue; a's librarian finds b's copy there by its 001.
    assert copy.title not in client.get(UNION, {"q": copy.control_number}).content.decode()
    text = _client(catalogues["librarian"]).get(UNION, {"q": copy.control_number}).content.decode()
    assert copy.title in text


def test_the_union_catalogue_refuses_what_is_not_the_users(catalogues):
    librarian_b = _client(catalogues["librarian_b"])
    # A record of a library outside the network: 404 to see or copy it.
    foreign = f"{UNION}{catalogues['foreign'].pk}/"
    assert librarian_b.get(foreign).status_code == 404
    assert librarian_b.post(foreign, {"library": catalogues["b"].pk}).status_code == 404
    # Copying into another library of the network, or outside it: refused (PermissionDenied, which
    # Wagtail's admin answers by sending the user to the dashboard with an error message).
    source = f"{UNION}{catalogues['source'].pk}/"
    for library in (catalogues["a"], catalogues["outsider"]):
        response = librarian_b.post(source, {"library": library.pk})
        assert (response.status_code, response.get("Location")) in ((403, None), (302, "/admin/"))
    # A's librarian: its own record is not in its union catalogue.
    assert _client(catalogues["librarian"]).get(source).status_code == 404
    # The outsider's librarian: nothing of the network.
    outsider = _client(catalogues["librarian_outsider"])
    assert outsider.get(source).status_code == 404
    assert outsider.post(source, {"library": catalogues["outsider"].pk}).status_code == 404
    assert catalogues["source"].title not in outsider.get(UNION).content.decode()
    # Teachers, principals and reviewers: 404; students and anonymous users have no admin.
    for name in ("teacher", "principal", "reviewer_b"):
        client = _client(catalogues[name])
        assert client.get(UNION).status_code == 404, name
        assert client.post(source, {"library": catalogues["a"].pk}).status_code == 404, name
    for client in (_client(catalogues["student_b"]), Client()):
        response = client.post(source, {"library": catalogues["b"].pk})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not CatalogueRecord.objects.exclude(library__in=[catalogues["a"], catalogues["outsider"]]).exists()


def test_hub_copies_a_record_it_harvested_from_a_member(catalogues):
    harvested = CatalogueRecord.objects.create(
        library=catalogues["a"], source="harvested", source_name="THCS-LL Koha", control_number="LL-1",
        control_number_identifier="VN-THCSLL", title="Sách của Lê Lợi", marcxml=catalogues["source"].marcxml)
    client = _client(catalogues["librarian"])
    assert "Sách của Lê Lợi" in client.get(UNION).content.decode()
    response = client.post(f"{UNION}{harvested.pk}/", {"library": catalogues["a"].pk})
    assert response.status_code == 302
    copy = CatalogueRecord.objects.filter(library=catalogues["a"], control_number__startswith="HLC").get()
    assert [f["a"] for f in copy.as_pymarc().get_fields("035")] == ["(VN-THCSLL)LL-1"]
