"""The admin login page is Vietnamese, including the password label Wagtail leaves untranslated."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_login_password_label_is_vietnamese(client):
    page = client.get(reverse("wagtailadmin_login")).content.decode()
    assert "Mật khẩu" in page
    assert ">Password<" not in page


def test_admin_login_still_logs_in(client, school):
    response = client.post(reverse("wagtailadmin_login"), {"username": "thuvien", "password": "pw"})
    assert response.status_code == 302
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_site_logout_goes_home(client, school):
    client.force_login(school["teacher"])
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("wagtailadmin_home")).status_code == 302
