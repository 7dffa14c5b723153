"""Cache-Control: private on everything that depends on who is reading (RFC 9111 §5.2.2.7).

cms.middleware.PrivateUnlessPublicMiddleware adds `private` to every response that does not say
`public`; a view that serves the same bytes to everyone marks its response `public` and keeps it.
"""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.cache import patch_cache_control

from cms.middleware import PrivateUnlessPublicMiddleware, cache_control_directives


def directives(response):
    """The Cache-Control directive names of `response` (a set of lower-case str)."""
    return cache_control_directives(response)


# --- through the whole stack ------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_is_private_for_anonymous_readers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "cms/home_page.html" in [t.name for t in response.templates]
    assert "private" in response["Cache-Control"]
    assert "public" not in directives(response)


@pytest.mark.django_db
def test_home_page_is_private_for_a_signed_in_reader(client, django_user_model):
    """The header names the reader: a shared cache must never hand this page to someone else."""
    user = django_user_model.objects.create_user("hocsinh_thu", password="pw", first_name="An")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert '<span class="user">An</span>' in response.content.decode()
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_search_page_is_private(client, django_user_model):
    response = client.get(reverse("search"), {"q": "phân số"})
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    client.force_login(django_user_model.objects.create_user("gv_thu", password="pw"))
    assert "private" in client.get(reverse("search"), {"q": "phân số"})["Cache-Control"]


@pytest.mark.django_db
def test_error_pages_and_redirects_are_private_too(client):
    assert "private" in client.get("/khong-co-trang-nay/")["Cache-Control"]
    redirect = client.get(reverse("wagtailadmin_home"))
    assert redirect.status_code == 302
    assert "private" in redirect["Cache-Control"]


def test_static_files_are_served_by_whitenoise_with_debug_off_and_stay_public(settings, tmp_path):
    """`make demo` and production: DEBUG off, collectstatic into STATIC_ROOT, WhiteNoise serves it."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "cms").mkdir()
    (tmp_path / "cms" / "thu.css").write_text("body { color: #1d2430; }\n", encoding="utf-8")
    response = Client().get("/static/cms/thu.css")  # a new client: WhiteNoise indexes STATIC_ROOT anew
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"body { color: #1d2430; }\n"
    assert "public" in directives(response)
    assert "private" not in directives(response)


# --- the middleware alone ---------------------------------------------------------------------------


def run(rf, response, path="/"):
    """`response` as PrivateUnlessPublicMiddleware passes it on for a GET of `path`."""
    return PrivateUnlessPublicMiddleware(lambda request: response)(rf.get(path))


def test_public_response_stays_public_and_untouched(rf):
    response = HttpResponse("the same for everyone")
    patch_cache_control(response, public=True, max_age=300)
    before = response["Cache-Control"]
    assert run(rf, response)["Cache-Control"] == before
    assert directives(response) == {"public", "max-age"}


def test_public_is_recognised_whatever_its_case_and_place(rf):
    response = HttpResponse()
    response["Cache-Control"] = "no-cache, Public"
    assert run(rf, response)["Cache-Control"] == "no-cache, Public"


def test_private_is_added_and_other_directives_are_kept(rf):
    response = HttpResponse()
    response["Cache-Control"] = "max-age=60, no-store"
    result = run(rf, response)
    assert directives(result) == {"max-age", "no-store", "private"}
    assert "max-age=60" in result["Cache-Control"]


def test_a_response_without_the_header_gets_private(rf):
    assert run(rf, HttpResponse())["Cache-Control"] == "private"


def test_a_directive_that_merely_contains_public_does_not_count(rf):
    """Only the directive named `public` exempts a response (an extension like x-public does not)."""
    response = HttpResponse()
    response["Cache-Control"] = "x-public"
    assert "private" in directives(run(rf, response))


def test_static_urls_are_left_alone(rf, settings):
    assert "Cache-Control" not in run(rf, HttpResponse(), path=settings.STATIC_URL + "cms/site.css")
