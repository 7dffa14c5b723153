"""No existence oracle: what a reader may not see answers exactly as what does not exist."""

import pytest
from django.urls import reverse

from .conftest import ATTACKERS, body

pytestmark = pytest.mark.django_db

MISSING = 987654


def urls(page_id, file_url=None):
    found = {
        "page thumbnail": reverse("material_thumbnail", kwargs={"page_id": page_id}),
        "page stream": reverse("material_stream", kwargs={"page_id": page_id}),
        "MARC ISO 2709": reverse("material_marc", kwargs={"page_id": page_id, "fmt": "mrc"}),
        "MARCXML": reverse("material_marc", kwargs={"page_id": page_id, "fmt": "xml"}),
    }
    return found


@pytest.mark.parametrize("name", ATTACKERS)
def test_a_draft_answers_like_a_missing_material(name, victim, as_user):
    client = as_user(name)
    draft = victim["draft"]
    for (what, url), missing_url in zip(urls(draft.pk).items(), urls(MISSING).values(), strict=True):
        refused, missing = client.get(url), client.get(missing_url)
        assert refused.status_code == missing.status_code == 404, what
        assert body(refused).replace(url, "") == body(missing).replace(missing_url, ""), what
    original = client.get(draft.file.url)
    assert original.status_code == 404
    assert draft.title not in body(original)


@pytest.mark.parametrize("name", ["teacher", "librarian", "student"])
def test_a_published_school_material_of_another_school_is_404_to_signed_in_readers(name, victim, as_user):
    client = as_user(name)
    published = victim["published"]
    for url in [*urls(published.pk).values(), published.url, published.file.url]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert published.title not in body(response).replace(url, "")


def test_anonymous_reader_of_a_published_school_material_is_sent_to_log_in(victim, as_user):
    client = as_user(None)
    published = victim["published"]
    for url in [published.url, published.file.url, urls(published.pk)["page stream"]]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
