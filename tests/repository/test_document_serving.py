"""Originals at /documents/<id>/<name>: ranges, private caching, Wagtail's signal and headers."""

import pytest
from wagtail.documents.models import document_served

pytestmark = pytest.mark.django_db

PDF = "pdf/issue-33-lorem-ipsum.pdf"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_original_pdf_answers_range_requests(client, make_material, fixture_path):
    page = make_material(PDF, access_level="public")
    data = fixture_path(PDF).read_bytes()
    response = client.get(page.file.url, HTTP_RANGE="bytes=10-1033")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-1033/{len(data)}"
    assert body(response) == data[10:1034]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert "private" not in response.get("Cache-Control", "")


def test_school_only_original_is_never_kept_by_shared_caches(client, school, make_material):
    page = make_material(PDF, access_level="school")
    client.force_login(school["student"])
    response = client.get(page.file.url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_draft_original_refused_to_student_and_private_for_staff(client, school, make_material):
    page = make_material(PDF, access_level="public", publish=False)
    client.force_login(school["student"])
    assert client.get(page.file.url).status_code == 404
    client.force_login(school["librarian"])
    response = client.get(page.file.url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_download_sends_wagtails_document_served_signal(client, make_material):
    page = make_material(PDF, access_level="public")
    served = []

    def receiver(sender, instance, request, **kwargs):
        served.append(instance.pk)

    document_served.connect(receiver)
    try:
        client.get(page.file.url)
        client.head(page.file.url)
    finally:
        document_served.disconnect(receiver)
    assert served == [page.file.pk]


def test_wrong_file_name_is_404(client, make_material):
    page = make_material(PDF, access_level="public")
    assert client.get(page.file.url.replace("lorem", "other")).status_code == 404


def test_wagtail_collection_privacy_still_applies(client, school, make_material):
    from wagtail.models import CollectionViewRestriction

    page = make_material(PDF, access_level="public")
    restriction = CollectionViewRestriction.objects.create(
        collection=page.file.collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    response = client.get(page.file.url)
    assert response.status_code == 302 and "login" in response["Location"]
    restriction.delete()
    assert client.get(page.file.url).status_code == 200


def test_serve_view_is_what_document_urls_point_to(make_material):
    from django.urls import resolve

    from repository.views.documents import serve_document

    page = make_material(PDF, access_level="public")
    assert resolve(page.file.url).func is serve_document
