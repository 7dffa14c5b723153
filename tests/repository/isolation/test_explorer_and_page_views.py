"""Explorer and every page view of the admin: another library's pages answer 404 and are never named."""

import pytest
from django.urls import reverse

from .conftest import ATTACKERS, STAFF_ATTACKERS, assert_nothing_leaks

pytestmark = pytest.mark.django_db

PAGE_VIEWS = ["edit", "delete", "unpublish", "history", "revisions_index", "workflow_history", "usage",
              "copy", "move", "lock", "unlock", "view_draft", "preview_on_edit", "set_privacy", "add_subpage",
              "convert_alias", "confirm_workflow_cancellation", "history_results"]


@pytest.mark.parametrize("name", ATTACKERS)
def test_every_page_view_of_a_foreign_page_is_refused(name, victim, as_user):
    client = as_user(name)
    for page in (victim["published"], victim["draft"]):
        for view in PAGE_VIEWS:
            url = reverse(f"wagtailadmin_pages:{view}", args=[page.pk])
            for response in (client.get(url), client.post(url)):
                assert response.status_code in (302, 403, 404), (view, response.status_code)
                assert_nothing_leaks(response, victim)
    assert victim["published"].__class__.objects.get(pk=victim["published"].pk).live


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_explorer_of_another_library_is_404(name, school, victim, as_user):
    client = as_user(name)
    response = client.get(reverse("wagtailadmin_explore", args=[school["index_b"].pk]))
    assert response.status_code == 404
    assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_own_explorer_and_admin_search_name_no_foreign_page(name, school, victim, as_user):
    client = as_user(name)
    response = client.get(reverse("wagtailadmin_explore", args=[school["index_a"].pk]))
    assert response.status_code == 200
    assert_nothing_leaks(response, victim)
    for params in ({"q": "Lê Lợi"}, {"q": "bí mật"}):
        response = client.get(reverse("wagtailadmin_pages:search"), params)
        assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_pages_of_a_type_list_only_own_library(name, victim, as_user):
    client = as_user(name)
    response = client.get(reverse("wagtailadmin_pages:type_use", args=("repository", "materialpage")))
    assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_dashboard_names_nothing_of_another_library(name, victim, as_user):
    response = as_user(name).get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert_nothing_leaks(response, victim)


def test_the_owner_still_edits_her_page(victim, client):
    client.force_login(victim["teacher_b"])
    response = client.get(reverse("wagtailadmin_pages:edit", args=[victim["published"].pk]))
    assert response.status_code == 200
    assert victim["published"].title in response.content.decode()
