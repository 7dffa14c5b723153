"""Wagtail's reports read across the whole site: only superusers may open them."""

import pytest
from django.urls import reverse

from .conftest import ATTACKERS, assert_nothing_leaks

pytestmark = pytest.mark.django_db

REPORTS = ["page_types_usage", "locked_pages", "site_history", "aging_pages", "workflow", "workflow_tasks"]


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("name", ATTACKERS)
def test_reports_are_refused_and_name_nothing(name, report, victim, as_user):
    client = as_user(name)
    for suffix in ("", "_results"):
        response = client.get(reverse(f"wagtailadmin_reports:{report}{suffix}"))
        assert response.status_code in (302, 403, 404), (report, suffix)
        assert_nothing_leaks(response, victim, victim["teacher_b"].get_full_name())


def test_reports_menu_is_not_shown_to_library_staff(school, as_user):
    html = as_user("librarian").get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtailadmin_reports:page_types_usage") not in html
    assert reverse("wagtailadmin_reports:site_history") not in html


def test_superuser_reads_the_reports_across_libraries(victim, client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "q@so.edu.vn", "pw")
    client.force_login(admin)
    response = client.get(reverse("wagtailadmin_reports:locked_pages"))
    assert response.status_code == 200
    assert victim["published"].title in response.content.decode()
