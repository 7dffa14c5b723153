"""Error pages a person can read: Vietnamese 403, 404, 500 and 503, never Django's debug page.

The 403 and 404 pages extend base.html (site header, search box); 500.html and 503.html are
standalone (cms/templates/cms/standalone.html) because Django renders 500.html with an empty
context and no request, and 503.html is rendered while the database is locked. This module is also
the URLconf of the tests marked `@pytest.mark.urls(__name__)`: cms.urls plus three views that fail
on purpose.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.utils import translation
from django.views.defaults import server_error

from cms.middleware import DatabaseBusyMiddleware

ROOT = Path(__file__).resolve().parents[2]


def refuse(request):
    """A view that refuses everyone (PermissionDenied -> handler403 -> 403.html)."""
    raise PermissionDenied


def crash(request):
    """A view with a bug (-> handler500 -> 500.html)."""
    raise RuntimeError("lỗi thử nghiệm")


def database_locked(request):
    """A view whose write waited out SQLite's lock timeout."""
    raise OperationalError("database is locked")


urlpatterns = [
    path("thu/cam/", refuse),
    path("thu/hong/", crash),
    path("thu/ban/", database_locked),
    path("", include("cms.urls")),
]


@pytest.fixture(autouse=True)
def debug_off(settings):
    """DEBUG off as in production (pytest-django's default, made explicit). The language a request
    activates is put back by tests/cms/conftest.py's restore_language."""
    settings.DEBUG = False


def text(response):
    """The body of `response` as str."""
    return response.content.decode()


def assert_site_header(page):
    """The header of base.html: the brand link home and the search box."""
    assert '<a class="brand" href="/">Hoclieu</a>' in page
    assert 'action="/search/"' in page and 'placeholder="Tìm học liệu…"' in page


# --- 404 --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_url_gets_the_vietnamese_404_page_with_the_site_header(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    page = text(response)
    assert '<html lang="vi">' in page
    assert "<title>Không tìm thấy trang · Hoclieu</title>" in page
    assert "Trang bạn tìm không có hoặc đã được chuyển đi." in page
    assert_site_header(page)
    # Neither Django's bare "Not Found" nor its technical page.
    assert "<h1>Not Found</h1>" not in page and "Using the URLconf" not in page


@pytest.mark.django_db
def test_404_page_in_english_once_the_reader_chose_english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text(client.get("/khong-co-trang-nay/"))
    assert "<h1>Page not found</h1>" in page
    assert "Không tìm thấy trang" not in page


# --- 403 --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_permission_denied_gets_the_vietnamese_403_page_with_a_login_link(client):
    response = client.get("/thu/cam/")
    assert response.status_code == 403
    page = text(response)
    assert "<h1>Không có quyền truy cập</h1>" in page
    assert "Bạn không có quyền xem trang này." in page
    # An anonymous reader is offered to log in and come back here.
    assert '<a href="/accounts/login/?next=/thu/cam/">đăng nhập</a>' in page
    assert_site_header(page)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_403_page_for_a_signed_in_reader_names_them_and_points_to_the_librarian(client, django_user_model):
    user = django_user_model.objects.create_user("gv_thu", password="pw", first_name="Lan",
                                                 last_name="Nguyễn Thị")
    client.force_login(user)
    response = client.get("/thu/cam/")
    assert response.status_code == 403
    page = text(response)
    assert "hãy hỏi cán bộ thư viện của trường" in page
    assert 'class="user"' in page and "Lan Nguyễn Thị" in page
    assert "/accounts/login/?next=" not in page


# --- 500 --------------------------------------------------------------------------------------------


def test_500_page_renders_from_django_server_error_with_an_empty_context(rf):
    """django.views.defaults.server_error renders 500.html with an empty Context and no request."""
    with translation.override("vi"):
        response = server_error(rf.get("/bat-ky/"))
    assert response.status_code == 500
    page = text(response)
    assert '<html lang="vi">' in page
    assert "<h1>Hệ thống gặp lỗi</h1>" in page
    assert "hãy báo cho cán bộ thư viện của trường" in page
    assert '<a class="brand" href="/">Hoclieu</a>' in page

    with translation.override("en"):
        assert "<h1>Something went wrong</h1>" in text(server_error(rf.get("/bat-ky/")))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crashing_view_gives_the_500_page_not_a_traceback(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/thu/hong/")
    assert response.status_code == 500
    page = text(response)
    assert "<h1>Hệ thống gặp lỗi</h1>" in page
    assert "lỗi thử nghiệm" not in page and "Traceback" not in page
    # The traceback goes to the log instead (LOGGING["loggers"]["django.request"]).
    assert any(record.exc_info and record.exc_info[0] is RuntimeError for record in caplog.records)


# --- 503: the database is busy --------------------------------------------------------------------


def test_database_locked_becomes_503_with_retry_after_and_a_warning(rf, caplog):
    middleware = DatabaseBusyMiddleware(lambda request: HttpResponse())
    request = rf.post("/admin/documents/multiple/add/?x=1")
    with translation.override("vi"), caplog.at_level(logging.WARNING, logger="hoclieu"):
        response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = text(response)
    assert "<h1>Hệ thống đang bận</h1>" in page
    assert "Hãy thử lại sau vài giây." in page
    [record] = [r for r in caplog.records if r.name == "hoclieu"]
    assert record.levelno == logging.WARNING
    assert "POST /admin/documents/multiple/add/?x=1" in record.getMessage()


def test_other_errors_are_left_to_django(rf):
    middleware = DatabaseBusyMiddleware(lambda request: HttpResponse())
    request = rf.get("/")
    assert middleware.process_exception(request, OperationalError("no such table: cms_homepage")) is None
    assert middleware.process_exception(request, RuntimeError("database is locked")) is None


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_database_locked_in_a_view_reaches_the_reader_as_503(client):
    """Through the whole middleware stack of settings.MIDDLEWARE, not just the one method."""
    response = client.get("/thu/ban/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Hệ thống đang bận" in text(response)
    assert "private" in response["Cache-Control"]


# --- production ---------------------------------------------------------------------------------------

PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client(raise_request_exception=False).get("/khong-co/")
print(json.dumps({"debug": settings.DEBUG, "status": response.status_code,
                  "body": response.content.decode()}))
"""


def test_production_never_shows_a_debug_page(tmp_path):
    """Production settings keep DEBUG off whatever the environment says; a failure is the 500 page.

    A fresh interpreter loads cms.settings.production against an empty SQLite file (no tables),
    so the request fails inside Wagtail's page lookup: the reader must get 500.html, no traceback.
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DATABASE_URL", "DJANGO_"))}
    environ.update(DJANGO_SETTINGS_MODULE="cms.settings.production", DJANGO_SECRET_KEY="k",
                   DJANGO_ALLOWED_HOSTS="testserver", HOCLIEU_VAR_DIR=str(tmp_path), HOCLIEU_DEBUG="1",
                   DJANGO_DEBUG="1", DEBUG="1")
    result = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=environ,
                            capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["debug"] is False
    assert loaded["status"] == 500
    assert "<h1>Hệ thống gặp lỗi</h1>" in loaded["body"]
    for debug_marker in ("Traceback", "OperationalError", "DEBUG = True", "no such table"):
        assert debug_marker not in loaded["body"]
