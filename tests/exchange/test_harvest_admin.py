"""Harvest sources and runs in the Wagtail admin: superusers and the receiving (hub) library's
librarians manage them; another library's librarian, teachers and students cannot reach them; the
stored token is never shown back."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from exchange.models import HarvestRun, HarvestSource

SOURCES = "/admin/harvest_sources/"
RUNS = "/admin/harvest_runs/"
TOKEN = "mã-bí-mật-của-hub-0123456789"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _refused(response):
    """403/404, or sent to the admin's home or its login (someone without admin access)."""
    return response.status_code in (403, 404) or (
        response.status_code == 302
        and response["Location"].split("?")[0] in ("/admin/", "/", "/admin/login/")
    )


@pytest.fixture
def hub_librarian(school):
    from repository.choices import Role
    from repository.roles import add_member

    user = get_user_model().objects.create_user("thuvien_hub", password="pw")
    add_member(user, school["b"], Role.LIBRARIAN)
    return user


@pytest.fixture
def source(school):
    source = HarvestSource(name="nguyendu", base_url="http://127.0.0.1:9/oai/", receiving_library=school["b"],
                           member_library=school["a"])
    source.token = TOKEN
    source.save()
    HarvestRun.objects.create(source=source, status="partial", failed=1,
                              failures=[{"identifier": "oai:x:material/7", "reason": "không có nhan đề"}])
    return source


def test_hub_librarian_adds_a_source_with_a_write_only_token(hub_librarian, school):
    client = _client(hub_librarian)
    form = client.get(f"{SOURCES}new/").content.decode()
    assert f'value="{school["b"].pk}"' in form and f'<option value="{school["a"].pk}"' in form
    response = client.post(f"{SOURCES}new/", {
        "name": "nguyendu", "base_url": "http://127.0.0.1:9/oai/", "metadata_prefix": "marcxml",
        "set_spec": "", "receiving_library": school["b"].pk, "member_library": school["a"].pk,
        "interval_minutes": 60, "enabled": "on", "new_token": TOKEN,
    })
    assert response.status_code == 302, response.content.decode()[-3000:]
    source = HarvestSource.objects.get(name="nguyendu")
    assert source.token == TOKEN and TOKEN not in source.token_encrypted
    edit = client.get(f"{SOURCES}edit/{source.pk}/").content.decode()
    assert TOKEN not in edit and source.token_encrypted not in edit
    # Saving without typing the token keeps it.
    client.post(f"{SOURCES}edit/{source.pk}/", {
        "name": "nguyendu", "base_url": "http://127.0.0.1:9/oai/", "metadata_prefix": "marcxml",
        "set_spec": "", "receiving_library": school["b"].pk, "member_library": school["a"].pk,
        "interval_minutes": 120, "enabled": "on", "new_token": "",
    })
    source.refresh_from_db()
    assert source.interval_minutes == 120 and source.token == TOKEN


def test_hub_librarian_cannot_receive_into_another_library(hub_librarian, school):
    response = _client(hub_librarian).post(f"{SOURCES}new/", {
        "name": "x", "base_url": "http://127.0.0.1:9/oai/", "metadata_prefix": "marcxml",
        "receiving_library": school["a"].pk, "member_library": school["a"].pk, "interval_minutes": 60,
    })
    assert response.status_code == 200 and not HarvestSource.objects.exists()


def test_hub_librarian_reads_runs_with_failures(hub_librarian, source):
    client = _client(hub_librarian)
    assert "nguyendu" in client.get(SOURCES).content.decode()
    run = source.runs.get()
    text = client.get(f"{RUNS}inspect/{run.pk}/").content.decode()
    assert "oai:x:material/7" in text and "không có nhan đề" in text


@pytest.mark.parametrize("who", ["librarian", "teacher", "student", "student_b", "reviewer_b"])
def test_others_cannot_reach_sources_or_runs(who, school, source):
    client = _client(school[who])
    run = source.runs.get()
    index = client.get(SOURCES)
    assert _refused(index) or "nguyendu" not in index.content.decode()
    assert "oai:x:material/7" not in client.get(RUNS).content.decode()
    for url in (f"{SOURCES}edit/{source.pk}/", f"{SOURCES}delete/{source.pk}/",
                f"{SOURCES}inspect/{source.pk}/", f"{RUNS}inspect/{run.pk}/"):
        assert _refused(client.get(url)), url
    assert _refused(client.post(f"{SOURCES}delete/{source.pk}/"))
    assert HarvestSource.objects.filter(pk=source.pk).exists()


def test_superuser_sees_every_source(source):
    admin = get_user_model().objects.create_superuser("root", password="pw")
    client = _client(admin)
    assert "nguyendu" in client.get(SOURCES).content.decode()
    assert client.get(f"{SOURCES}edit/{source.pk}/").status_code == 200
