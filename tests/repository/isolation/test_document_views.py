"""Document views, chooser and edit: another library's files answer 404; a colleague's file is not yours."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from repository.models import MaterialFile

from .conftest import PDF, STAFF_ATTACKERS, assert_nothing_leaks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_document_views_of_a_foreign_file_are_404(name, victim, as_user):
    client = as_user(name)
    for material_file in victim["files"]:
        for url in (reverse("wagtaildocs:edit", args=[material_file.pk]),
                    reverse("wagtaildocs:delete", args=[material_file.pk]),
                    reverse("wagtaildocs:document_usage", args=[material_file.pk]),
                    reverse("wagtaildocs:edit_multiple", args=[material_file.pk]),
                    reverse("wagtaildocs_chooser:chosen", args=[material_file.pk])):
            for response in (client.get(url), client.post(url, {"title": "hijacked"})):
                assert response.status_code == 404, url
                assert_nothing_leaks(response, victim)
    assert set(MaterialFile.objects.filter(title="hijacked")) == set()


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_document_listing_and_chooser_name_no_foreign_file(name, victim, as_user):
    client = as_user(name)
    for url in (reverse("wagtaildocs:index"), reverse("wagtaildocs_chooser:choose"),
                reverse("wagtaildocs_chooser:choose_results") + "?q=Lê"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_nothing_leaks(response, victim)


def upload_of(fixture_path):
    path = fixture_path(PDF)
    return SimpleUploadedFile("thay-the.pdf", path.read_bytes(), content_type="application/pdf")


def test_a_teacher_cannot_edit_replace_or_delete_a_colleagues_file(school, make_material, fixture_path,
                                                                  client):
    """gv_van (Ngữ văn) against gv_toan's published Toán material's file, in their own library."""
    page = make_material(PDF, owner=school["teacher"])
    original = page.file.sha256
    client.force_login(school["teacher2"])
    edit = reverse("wagtaildocs:edit", args=[page.file.pk])
    assert client.get(edit).status_code in (302, 403)
    response = client.post(edit, {"title": "Đã thay", "file": upload_of(fixture_path), "collection":
                                  page.file.collection_id})
    assert response.status_code in (302, 403)
    assert client.post(reverse("wagtaildocs:delete", args=[page.file.pk])).status_code in (302, 403)
    response = client.post(reverse("wagtaildocs:edit_multiple", args=[page.file.pk]), {
        f"doc-{page.file.pk}-title": "Đã thay", f"doc-{page.file.pk}-collection": page.file.collection_id})
    assert response.status_code in (302, 403) or b'"success": false' in response.content
    page.file.refresh_from_db()
    assert page.file.sha256 == original
    assert page.file.title != "Đã thay"


def test_owner_and_librarian_may_edit_the_file(school, make_material, client):
    page = make_material(PDF, owner=school["teacher"])
    for name in ("teacher", "librarian"):
        client.force_login(school[name])
        assert client.get(reverse("wagtaildocs:edit", args=[page.file.pk])).status_code == 200, name
