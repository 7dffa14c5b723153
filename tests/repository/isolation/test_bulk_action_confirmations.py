"""Bulk actions: naming another library's pages or files by id shows nothing of them and changes nothing."""

import pytest
from django.urls import reverse

from repository.models import MaterialPage

from .conftest import STAFF_ATTACKERS, assert_nothing_leaks

pytestmark = pytest.mark.django_db

PAGE_ACTIONS = ["delete", "unpublish", "move", "publish"]


def bulk_url(app_label, model_name, action):
    return reverse("wagtail_bulk_action", args=(app_label, model_name, action))


@pytest.mark.parametrize("action", PAGE_ACTIONS)
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_confirmation_of_page_bulk_action_names_no_foreign_page(name, action, school, victim, as_user):
    client = as_user(name)
    ids = [victim["published"].pk, victim["draft"].pk]
    response = client.get(bulk_url("wagtailcore", "page", action), {"id": ids})
    assert response.status_code in (200, 302, 404)
    assert_nothing_leaks(response, victim)
    # "Select all" under the home page, searching: the other library's pages are not listed either.
    response = client.get(bulk_url("wagtailcore", "page", action),
                          {"id": "all", "childOf": school["index_a"].get_parent().pk, "q": "Lê Lợi"})
    assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_posting_a_bulk_delete_of_foreign_pages_deletes_nothing(name, victim, as_user):
    client = as_user(name)
    ids = [victim["published"].pk, victim["draft"].pk]
    client.post(bulk_url("wagtailcore", "page", "delete") + "?" + "&".join(f"id={i}" for i in ids))
    assert MaterialPage.objects.filter(pk__in=ids).count() == 2
    client.post(bulk_url("wagtailcore", "page", "unpublish") + f"?id={victim['published'].pk}")
    assert MaterialPage.objects.get(pk=victim["published"].pk).live


@pytest.mark.parametrize("action", ["delete", "add_to_collection", "add_tags"])
@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_confirmation_of_document_bulk_action_names_no_foreign_file(name, action, victim, as_user):
    client = as_user(name)
    response = client.get(bulk_url("repository", "materialfile", action),
                          {"id": [f.pk for f in victim["files"]]})
    assert_nothing_leaks(response, victim)


def test_own_bulk_action_still_works_for_the_librarian(school, as_user, make_material):
    page = make_material("pdf/scotus-transcript-p1.pdf", title="Bài cũ cần gỡ")
    client = as_user("librarian")
    response = client.get(bulk_url("wagtailcore", "page", "unpublish"), {"id": [page.pk]})
    assert response.status_code == 200
    assert page.title in response.content.decode()
