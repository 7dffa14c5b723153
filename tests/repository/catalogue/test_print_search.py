"""Search returns print and digital together (issue 10, item 3): print catalogue records in the
index with the same Vietnamese analysis, marked "Bản in" with call number and holdings on the
search page; library facet counts include them; deleted ones never show."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from haystack import connections

from repository.catalogue.importing import import_marc_files
from repository.models import CatalogueRecord
from repository.search.indexing import rebuild_search_index
from repository.search.query import search_materials

PDF = "pdf/scotus-transcript-p1.pdf"


@pytest.fixture(autouse=True)
def empty_index():
    connections["default"].get_backend().clear()


@pytest.fixture
def catalogue(school, fixture_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = import_marc_files([fixture_path("marc/thcs_print_catalogue_nfc.mrc")], school["a"])
    assert report.created == 22
    return school["a"]


def hits(query="", user=None, **filters):
    """{(model_name, pk)} of what `user` (anonymous by default) finds."""
    sqs = search_materials(user or AnonymousUser(), query, filters)
    return {(hit.model_name, int(hit.pk)) for hit in sqs}


def record(control_number):
    return CatalogueRecord.objects.get(control_number=control_number)


def test_print_records_are_found_with_or_without_diacritics(catalogue):
    de_men = record("VN-THCS01000013")
    for query in ("Dế Mèn phiêu lưu kí", "de men phieu luu ky", "TÔ HOÀI"):
        assert ("cataloguerecord", de_men.pk) in hits(query), query
    best = next(iter(search_materials(AnonymousUser(), "de men phieu luu ki")))
    assert (best.model_name, int(best.pk)) == ("cataloguerecord", de_men.pk)


def test_search_page_marks_print_and_digital_together(catalogue, make_material, client,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_material(PDF, title="Việt Nam sử lược (bản số hoá)", creators="Trần Trọng Kim",
                      access_level="public")
    response = client.get(reverse("search"), {"q": "Việt Nam sử lược"})
    text = response.content.decode()
    assert 'data-kind="print"' in text and 'data-kind="digital"' in text
    assert "Bản in" in text and "Bản số" in text
    assert "959.7 TRẦ" in text  # the print record's call number
    assert "2 bản" in text and "Phòng đọc: 1" in text and "Kho giáo viên: 1" in text
    assert "Việt Nam sử lược (bản số hoá)" in text


def test_library_facet_counts_include_print_and_other_facets_leave_it_out(catalogue, school, make_material,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_material(PDF, title="Giáo án Toán 6", access_level="public")
    counts = dict(search_materials(AnonymousUser(), "").facet_counts()["fields"]["library_id"])
    assert counts[str(school["a"].pk)] == 23
    typed = hits("toan 6", type="lesson_plan")
    assert typed and all(model_name == "materialpage" for model_name, _pk in typed)
    assert ("cataloguerecord", record("VN-THCS01000004").pk) in hits("toan 6", library=str(school["a"].pk))


def test_deleted_records_never_show(catalogue, client, django_capture_on_commit_callbacks, fixture_path,
                                    tmp_path):
    import pymarc

    kim = record("VN-THCS01000022")
    assert ("cataloguerecord", kim.pk) in hits("viet nam su luoc")
    # Deleted in the ILS: the next import carries leader/05 "d".
    source = next(r for r in pymarc.MARCReader(fixture_path("marc/thcs_print_catalogue_nfc.mrc").open("rb"),
                                               to_unicode=True) if r["001"].data == "VN-THCS01000022")
    source.leader = source.leader[:5] + "d" + source.leader[6:]
    path = tmp_path / "deleted.mrc"
    path.write_bytes(source.as_marc())
    with django_capture_on_commit_callbacks(execute=True):
        import_marc_files([path], catalogue)
    assert ("cataloguerecord", kim.pk) not in hits("viet nam su luoc")
    assert "959.7 TRẦ" not in client.get(reverse("search"), {"q": "viet nam su luoc"}).content.decode()
    # A record marked deleted by hand, and one removed from the database.
    de_men = record("VN-THCS01000013")
    with django_capture_on_commit_callbacks(execute=True):
        de_men.deleted = True
        de_men.save()
    assert ("cataloguerecord", de_men.pk) not in hits("de men")
    tuoi_tho = record("VN-THCS01000014")
    with django_capture_on_commit_callbacks(execute=True):
        tuoi_tho.delete()
    assert ("cataloguerecord", tuoi_tho.pk) not in hits("tuoi tho du doi")


def test_deleted_record_left_in_the_index_is_not_shown(catalogue, client):
    # The index lags behind the database: the page checks again.
    CatalogueRecord.objects.filter(control_number="VN-THCS01000022").update(deleted=True)
    assert ("cataloguerecord", record("VN-THCS01000022").pk) in hits("viet nam su luoc")
    assert "959.7 TRẦ" not in client.get(reverse("search"), {"q": "viet nam su luoc"}).content.decode()


def test_rebuild_includes_print_records(catalogue):
    connections["default"].get_backend().clear()
    assert hits("de men") == set()
    CatalogueRecord.objects.filter(control_number="VN-THCS01000001").update(deleted=True)
    assert rebuild_search_index() == 21
    assert ("cataloguerecord", record("VN-THCS01000013").pk) in hits("de men")
    assert ("cataloguerecord", record("VN-THCS01000001").pk) not in hits("tieng viet 1 tap mot")
