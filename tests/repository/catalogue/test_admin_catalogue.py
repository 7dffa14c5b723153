"""The print catalogue in the Wagtail admin: a library's librarians list, search and inspect their own
library's records with holdings; another library's staff, teachers and students cannot reach them."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from repository.catalogue.importing import import_marc_files
from repository.models import CatalogueRecord, Holding

INDEX = "/admin/catalogue_records/"
SECRET_TITLE = "Sổ tay bí mật của thư viện Lê Lợi"
SECRET_BARCODE = "LELOI-SECRET-01"


@pytest.fixture
def catalogues(school, fixture_path):
    import_marc_files([fixture_path("marc/koha_export_952.xml")], school["a"])
    secret = CatalogueRecord.objects.create(library=school["b"], title=SECRET_TITLE, control_number="LL1",
                                            authors="Trịnh Gia Bảo", marcxml="<record/>")
    Holding.objects.create(record=secret, barcode=SECRET_BARCODE, call_number="000 SỔ")
    own = CatalogueRecord.objects.get(library=school["a"], control_number="VN-THCS01000001")
    return {"own": own, "secret": secret}


def _refused(response):
    """Wagtail refuses with 403/404, or by sending the user to the admin's home with a message."""
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response["Location"] in ("/admin/", "/")
    )


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _librarian_b(school):
    from repository.choices import Role
    from repository.roles import add_member

    user = get_user_model().objects.create_user("thuvien_b", password="pw")
    add_member(user, school["b"], Role.LIBRARIAN)
    return user


def test_librarian_lists_and_inspects_own_records_with_holdings(school, catalogues):
    client = _client(school["librarian"])
    response = client.get(INDEX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tiếng Việt 1: tập một" in text and "Toán 1" in text
    assert SECRET_TITLE not in text
    response = client.get(f"{INDEX}inspect/{catalogues['own'].pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "SGK00010" in text and "372.6 TIẾ" in text and "Kho mở" in text


def test_search_with_or_without_diacritics_and_by_isbn(school, catalogues):
    client = _client(school["librarian"])
    for query in ("tieng viet", "Tiếng Việt", "bui manh hung", "978-604-526-018-0"):
        text = client.get(INDEX, {"q": query}).content.decode()
        assert "Tiếng Việt 1: tập một" in text, query
        assert "Toán 1" not in text, query
    assert SECRET_TITLE not in client.get(INDEX, {"q": "bi mat"}).content.decode()


@pytest.mark.parametrize("view", ["inspect/{pk}/", "edit/{pk}/", "delete/{pk}/", "history/{pk}/",
                                  "usage/{pk}/"])
def test_another_librarys_record_is_out_of_reach(school, catalogues, view):
    client = _client(school["librarian"])
    response = client.get(INDEX + view.format(pk=catalogues["secret"].pk))
    assert _refused(response)
    text = response.content.decode()
    assert SECRET_TITLE not in text and SECRET_BARCODE not in text
    # Nobody edits or deletes catalogue records here, not even their own library's.
    if view.startswith(("edit", "delete")):
        response = client.post(INDEX + view.format(pk=catalogues["own"].pk), {"deleted": "on"})
        assert _refused(response)
        response = client.post(INDEX + view.format(pk=catalogues["secret"].pk), {"deleted": "on"})
        assert _refused(response)
        assert CatalogueRecord.objects.filter(pk=catalogues["secret"].pk, deleted=False).exists()
        assert CatalogueRecord.objects.filter(pk=catalogues["own"].pk, deleted=False).exists()


@pytest.mark.parametrize("role", ["teacher", "principal", "student"])
def test_other_roles_do_not_see_the_catalogue_admin(school, catalogues, role):
    client = _client(school[role])
    response = client.get(INDEX)
    assert response.status_code in (302, 403)
    assert "Tiếng Việt 1" not in response.content.decode()
    response = client.get(f"{INDEX}inspect/{catalogues['own'].pk}/")
    assert response.status_code in (302, 403, 404)
    assert "SGK00010" not in response.content.decode()


def test_each_librarian_sees_only_their_library_and_superuser_sees_all(school, catalogues):
    librarian_b = _client(_librarian_b(school))
    text = librarian_b.get(INDEX).content.decode()
    assert SECRET_TITLE in text and "Tiếng Việt 1: tập một" not in text
    response = _client(school["librarian"]).get(f"{INDEX}inspect/{catalogues['secret'].pk}/")
    assert response.status_code == 404
    assert librarian_b.get(f"{INDEX}inspect/{catalogues['secret'].pk}/").status_code == 200
    admin = get_user_model().objects.create_superuser("root", password="pw")
    text = _client(admin).get(INDEX).content.decode()
    assert SECRET_TITLE in text and "Tiếng Việt 1: tập một" in text


def test_anonymous_is_sent_to_login(catalogues):
    response = Client().get(INDEX)
    assert response.status_code == 302 and "/login/" in response["Location"]
