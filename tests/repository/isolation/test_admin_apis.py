"""Admin APIs (/admin/api/main/pages/ and /documents/): only the user's own library's pages and files."""

import json

import pytest

from .conftest import STAFF_ATTACKERS, assert_nothing_leaks

pytestmark = pytest.mark.django_db

DOCUMENTS = "/admin/api/main/documents/"
PAGES = "/admin/api/main/pages/"


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_documents_api_lists_only_own_library_files(name, school, victim, as_user, make_material):
    own = make_material("pdf/scotus-transcript-p1.pdf")
    client = as_user(name)
    response = client.get(DOCUMENTS)
    assert response.status_code == 200
    ids = {item["id"] for item in json.loads(response.content)["items"]}
    assert own.file.pk in ids
    assert not ids & {f.pk for f in victim["files"]}
    assert_nothing_leaks(response, victim)
    for material_file in victim["files"]:
        detail = client.get(f"{DOCUMENTS}{material_file.pk}/")
        assert detail.status_code == 404
        assert_nothing_leaks(detail, victim)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_pages_api_lists_only_own_library_pages(name, school, victim, as_user):
    client = as_user(name)
    response = client.get(PAGES)
    assert response.status_code == 200
    ids = {item["id"] for item in json.loads(response.content)["items"]}
    assert school["index_a"].pk in ids
    assert not ids & {victim["published"].pk, victim["draft"].pk, school["index_b"].pk}
    assert_nothing_leaks(response, victim)
    for page in (victim["published"], victim["draft"]):
        assert client.get(f"{PAGES}{page.pk}/").status_code == 404
    response = client.get(PAGES, {"search": "Lê Lợi"})
    assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", ["student", None])
def test_readers_get_nothing_from_the_admin_apis(name, victim, as_user):
    client = as_user(name)
    for url in (DOCUMENTS, PAGES):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert_nothing_leaks(response, victim)


def test_superuser_sees_every_library_in_the_documents_api(victim, client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "q@so.edu.vn", "pw")
    client.force_login(admin)
    ids = {item["id"] for item in json.loads(client.get(DOCUMENTS).content)["items"]}
    assert {f.pk for f in victim["files"]} <= ids

