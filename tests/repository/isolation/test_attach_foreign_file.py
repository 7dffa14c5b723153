"""A material can only hold a file of its own library: the form, the model and publishing refuse others."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from repository.models import MaterialPage

from .conftest import PDF, assert_nothing_leaks

pytestmark = pytest.mark.django_db


def form_data(page, file_pk, action="action-submit"):
    return nested_form_data({
        "title": page.title, "slug": page.slug, "material_type": page.material_type,
        "creators": page.creators, "subject": page.subject, "grade": str(page.grade or ""),
        "language": page.language, "file": str(file_pk), "rights": page.rights,
        "access_level": "public", "comments": inline_formset([]), action: "1",
    })


@pytest.mark.parametrize("name", ["teacher", "librarian", "superuser"])
def test_edit_form_refuses_another_librarys_file(name, school, victim, make_material, client,
                                                 django_user_model):
    user = (django_user_model.objects.create_superuser("quantri", "q@so.edu.vn", "pw") if name == "superuser"
            else school[name])
    page = make_material(PDF, owner=school["teacher"], publish=False)
    client.force_login(user)
    foreign = victim["published"].file
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), form_data(page, foreign.pk))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "file" in errors and "không thuộc thư viện" in errors["file"][0]
    page = MaterialPage.objects.get(pk=page.pk)
    assert page.get_latest_revision_as_object().file_id != foreign.pk
    assert not page.live


def test_create_form_refuses_another_librarys_file(school, victim, client, make_material):
    template = make_material(PDF, publish=False)
    client.force_login(school["teacher"])
    url = reverse("wagtailadmin_pages:add", args=("repository", "materialpage", school["index_a"].pk))
    data = form_data(template, victim["published"].file.pk)
    data["slug"] = "khac"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not MaterialPage.objects.filter(slug="khac").exists()


def test_the_attack_of_the_report_ends_with_nothing_served(school, victim, client, make_material):
    """The reported attack: attach b's school-only file, approve it yourself, serve it anonymously."""
    page = make_material(PDF, publish=False)
    page.file = victim["published"].file
    with pytest.raises(ValidationError):
        page.save_revision(user=school["teacher"])
    with pytest.raises(ValidationError):
        page.live = True
        page.save()
    response = client.get(victim["published"].file.url)
    assert response.status_code == 302  # anonymous: sent to log in, the file is not served
    assert_nothing_leaks(response, victim)


def test_files_of_the_own_library_are_accepted(school, make_material):
    page = make_material(PDF, publish=False)
    other = make_material(PDF, publish=False).file
    page.file = other
    page.save_revision(user=school["teacher"]).publish()
    assert MaterialPage.objects.get(pk=page.pk).file_id == other.pk
