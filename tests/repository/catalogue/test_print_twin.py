"""Digital beside print: suggestions by title and author, the librarian's confirmation in the admin
(with its permission checks), the public page's print holdings, and 776 in the exported MARC record."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from repository.catalogue.importing import import_marc_files
from repository.catalogue.matching import link_print_twin, suggest_print_twins
from repository.marc import as_iso2709, as_marcxml, build_record
from repository.models import CatalogueRecord, MaterialPage

from ..marc_tools import marclint_warnings, marcxml_schema_errors, yaz_marcdump_problems

PDF = "pdf/scotus-transcript-p1.pdf"
TWIN = "VN-THCS01000022"  # Việt Nam sử lược / Trần Trọng Kim, 2 copies


@pytest.fixture
def catalogue(school, fixture_path):
    import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.mrc")], school["a"])
    import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.mrc")], school["b"])
    return CatalogueRecord.objects.get(library=school["a"], control_number=TWIN)


@pytest.fixture
def material(make_material, catalogue):
    # Typed without diacritics and with "Tran Trong Kim": the folding still finds the record.
    return make_material(PDF, title="Viet Nam su luoc", creators="Tran Trong Kim", access_level="public")


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_suggestions_by_folded_title_and_author_from_own_library_only(material, catalogue, school):
    suggestions = suggest_print_twins(material)
    assert suggestions and suggestions[0].record == catalogue
    assert suggestions[0].score > 0.9
    assert all(s.record.library_id == school["a"].pk for s in suggestions)
    catalogue.deleted = True
    catalogue.save()
    assert catalogue not in [s.record for s in suggest_print_twins(material)]


def test_unrelated_material_gets_no_suggestion(make_material, catalogue):
    page = make_material(PDF, title="Hoá học hữu cơ nâng cao", creators="Người Khác")
    assert suggest_print_twins(page) == []


def test_link_refuses_another_librarys_record(material, school):
    foreign = CatalogueRecord.objects.get(library=school["b"], control_number=TWIN)
    with pytest.raises(ValueError):
        link_print_twin(material, foreign)


def test_librarian_sees_suggestion_and_confirms_it(material, catalogue, school):
    client = _client(school["librarian"])
    edit = client.get(f"/admin/pages/{material.pk}/edit/").content.decode()
    assert f'data-confirm-print-twin="{catalogue.pk}"' in edit
    response = client.post(f"/admin/hoclieu/ban-in/{material.pk}/?record={catalogue.pk}")
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.print_twin == catalogue
    edit = client.get(f"/admin/pages/{material.pk}/edit/").content.decode()
    assert f'data-print-twin="{catalogue.pk}"' in edit
    # Publishing the page again (from a revision) keeps the link.
    material.save_revision(user=school["librarian"]).publish()
    material.refresh_from_db()
    assert material.print_twin == catalogue
    # Unlinking.
    client.post(f"/admin/hoclieu/ban-in/{material.pk}/")
    material.refresh_from_db()
    assert material.print_twin is None


def test_confirmation_is_refused_to_others_and_across_libraries(material, catalogue, school):
    url = f"/admin/hoclieu/ban-in/{material.pk}/?record={catalogue.pk}"
    # A teacher of the same library (even the material's owner) may not link: Wagtail answers a
    # PermissionDenied in the admin by sending the user to the dashboard.
    response = _client(school["teacher"]).post(url)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    # Staff of another library do not even learn the material exists.
    User = get_user_model()
    from repository.choices import Role
    from repository.roles import add_member

    librarian_b = User.objects.create_user("thuvien_b", password="pw")
    add_member(librarian_b, school["b"], Role.LIBRARIAN)
    assert _client(librarian_b).post(url).status_code == 404
    # Library a's librarian may not link library b's record.
    foreign = CatalogueRecord.objects.get(library=school["b"], control_number=TWIN)
    response = _client(school["librarian"]).post(f"/admin/hoclieu/ban-in/{material.pk}/?record={foreign.pk}")
    assert response.status_code == 404
    assert _client(school["librarian"]).get(url).status_code == 405
    assert Client().post(url).status_code in (302, 403)
    assert MaterialPage.objects.get(pk=material.pk).print_twin_id is None


def test_public_page_shows_call_number_and_holdings(material, catalogue):
    link_print_twin(material, catalogue)
    text = Client().get(material.url).content.decode()
    assert "Bản in tại thư viện" in text
    assert "959.7 TRẦ" in text
    assert "Phòng đọc: 1 bản" in text and "Kho giáo viên: 1 bản" in text
    catalogue.deleted = True
    catalogue.save()
    assert "959.7 TRẦ" not in Client().get(material.url).content.decode()


def test_exported_record_carries_776_and_passes_the_checkers(material, catalogue, tmp_path):
    link_print_twin(material, catalogue)
    record = build_record(MaterialPage.objects.get(pk=material.pk))
    field = record["776"]
    assert field.indicators == pymarc_indicators("0", "8")
    assert field.get_subfields("i") == ["Bản in:"]
    assert field.get_subfields("t") == ["Việt Nam sử lược"]
    assert field.get_subfields("z") == ["9786047500475"]
    assert field.get_subfields("w") == ["(VN-THCS01)VN-THCS01000022"]
    iso = tmp_path / "twin.mrc"
    iso.write_bytes(as_iso2709([record]))
    xml = tmp_path / "twin.xml"
    xml.write_bytes(as_marcxml([record]))
    assert yaz_marcdump_problems(iso) == ""
    assert marclint_warnings(iso) == ""
    assert marcxml_schema_errors(xml) == ""
    # No twin, no 776.
    link_print_twin(material, None)
    assert build_record(MaterialPage.objects.get(pk=material.pk)).get("776") is None


def pymarc_indicators(first, second):
    import pymarc

    return pymarc.Indicators(first, second)
