"""Page chooser (browse, search, "chosen" answers): another library's pages never show."""

import pytest
from django.urls import reverse

from .conftest import PDF, STAFF_ATTACKERS, assert_nothing_leaks, body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_browsing_the_chooser_from_the_root_and_home_shows_only_own_library(name, school, victim, as_user):
    client = as_user(name)
    for url in (reverse("wagtailadmin_choose_page"),
                reverse("wagtailadmin_choose_page_child", args=[school["index_a"].get_parent().pk]),
                reverse("wagtailadmin_choose_page_child", args=[school["index_a"].pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_nothing_leaks(response, victim, school["b"].name)
    # Their own library is there to choose from, under the home page.
    home = client.get(reverse("wagtailadmin_choose_page_child", args=[school["index_a"].get_parent().pk]))
    assert school["index_a"].title in body(home)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_browsing_into_another_library_answers_404(name, school, victim, as_user):
    client = as_user(name)
    for page in (school["index_b"], victim["published"], victim["draft"]):
        response = client.get(reverse("wagtailadmin_choose_page_child", args=[page.pk]))
        assert response.status_code == 404
        assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_chooser_search_finds_nothing_of_another_library(name, school, victim, as_user, make_material):
    own = make_material(PDF, title="Đề kiểm tra của trường Nguyễn Du")
    client = as_user(name)
    response = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "Đề kiểm tra"})
    assert response.status_code == 200
    assert_nothing_leaks(response, victim)
    assert own.title in body(response)


@pytest.mark.parametrize("name", STAFF_ATTACKERS)
def test_chosen_answer_for_another_librarys_page_is_404(name, victim, as_user):
    client = as_user(name)
    url = reverse("wagtailadmin_choose_page_chosen_multiple")
    response = client.get(url, {"id": [victim["published"].pk, victim["draft"].pk]})
    assert response.status_code == 404
    assert_nothing_leaks(response, victim)


@pytest.mark.parametrize("name", ["student", None])
def test_readers_do_not_reach_the_chooser(name, victim, as_user):
    client = as_user(name)
    for url in (reverse("wagtailadmin_choose_page"), reverse("wagtailadmin_choose_page_search") + "?q=Lê"):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert_nothing_leaks(response, victim)
