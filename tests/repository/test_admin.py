"""Admin for libraries, networks and subject groups: who may manage what (wagtail_hooks.admin)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from repository.choices import Role, Subject
from repository.models import Library, LibraryIndexPage, LibraryNetwork, LibraryRoleGroup, SubjectGroup
from repository.review import reviewers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri", "quantri@so.edu.vn", "pw")


def refused(response):
    """Wagtail answers a denied admin request with a redirect (to the dashboard or login) or 403."""
    return response.status_code in (302, 403)


def sidebar(client, user):
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def has_role(user, library, role):
    return library.has_member(user, [role])


# --- menu ---------------------------------------------------------------------------------------


def test_menu_for_superuser_and_librarian(school, client, superuser):
    html = sidebar(client, superuser)
    for label in ("Quản lí thư viện", "Thư viện", "Tổ chuyên môn", "Liên thông"):
        assert label in html or json.dumps(label)[1:-1] in html, label
    for url in ("libraries:index", "subject_groups:index", "library_networks:index"):
        assert reverse(url) in html

    html = sidebar(client, school["librarian"])
    assert reverse("subject_groups:index") in html
    assert reverse("libraries:index") not in html
    assert reverse("library_networks:index") not in html

    html = sidebar(client, school["teacher"])
    assert reverse("subject_groups:index") not in html


# --- libraries and networks: superusers only ----------------------------------------------------


def test_superuser_creates_a_library_and_it_is_set_up(school, client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("libraries:add"), {
        "name": "TH Kim Đồng", "code": "TH-KIMDONG", "district": "Quận 3",
        "province": "TP Hồ Chí Minh", "network": school["network"].pk, "review_chain": "subject_group",
    })
    assert response.status_code == 302
    library = Library.objects.get(code="TH-KIMDONG")
    assert library.network == school["network"]
    index = LibraryIndexPage.objects.get(library=library)
    assert index.live
    assert LibraryRoleGroup.objects.filter(library=library).count() == len(Role)
    # The index page is where the library's page permissions are granted.
    teachers = library.role_group(Role.TEACHER)
    assert teachers.page_permissions.filter(page=index, permission__codename="add_page").exists()


def test_library_code_is_validated(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("libraries:add"), {"name": "Trường lỗi", "code": "có dấu"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not Library.objects.filter(name="Trường lỗi").exists()


def test_superuser_manages_networks(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("library_networks:add"), {"name": "Liên thông Quận 3", "code": "Q3"})
    assert response.status_code == 302
    assert LibraryNetwork.objects.filter(code="Q3").exists()


@pytest.mark.parametrize("name", ["librarian", "principal", "teacher", "reviewer", "student"])
def test_only_superusers_manage_libraries_and_networks(school, client, name):
    user = school[name]
    # Even a Django permission granted by hand does not open these screens.
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="repository",
        codename__in=["add_library", "change_library", "add_librarynetwork", "change_librarynetwork"],
    ))
    client.force_login(user)
    a = school["a"]
    for url in (
        reverse("libraries:index"),
        reverse("libraries:add"),
        reverse("libraries:edit", args=(a.pk,)),
        reverse("library_networks:index"),
        reverse("library_networks:add"),
        reverse("library_networks:edit", args=(school["network"].pk,)),
    ):
        assert refused(client.get(url)), (name, url)
    assert refused(client.post(reverse("libraries:add"), {"name": "Trường giả", "code": "GIA"}))
    assert refused(client.post(reverse("libraries:edit", args=(a.pk,)), {"name": "Đổi tên", "code": a.code}))
    assert refused(client.post(reverse("library_networks:add"), {"name": "Giả", "code": "GIA"}))
    assert not Library.objects.filter(code="GIA").exists()
    assert not LibraryNetwork.objects.filter(code="GIA").exists()
    a.refresh_from_db()
    assert a.name == "THCS Nguyễn Du"


def test_libraries_cannot_be_deleted_from_the_admin(school, client, superuser):
    client.force_login(superuser)
    assert refused(client.post(reverse("libraries:delete", args=(school["a"].pk,))))
    assert Library.objects.filter(pk=school["a"].pk).exists()


# --- subject groups: superusers, and librarians for their own library --------------------------


def group_form(library, name, subjects, leader=None, members=()):
    return {
        "library": library.pk,
        "name": name,
        "subjects": list(subjects),
        "leader": leader.pk if leader else "",
        "members": [member.pk for member in members],
    }


def test_librarian_lists_only_own_library_groups(school, client):
    client.force_login(school["librarian"])
    html = client.get(reverse("subject_groups:index")).content.decode()
    assert reverse("subject_groups:edit", args=(school["toan"].pk,)) in html
    assert reverse("subject_groups:edit", args=(school["van"].pk,)) in html
    assert reverse("subject_groups:edit", args=(school["toan_b"].pk,)) not in html


def test_librarian_creates_a_group_whose_members_then_review(school, client, make_material):
    client.force_login(school["librarian"])
    response = client.post(reverse("subject_groups:add"), group_form(
        school["a"], "Ngoại ngữ", [Subject.TIENG_ANH],
        leader=school["teacher"], members=[school["principal"]],
    ))
    assert response.status_code == 302, response.context and response.context["form"].errors
    group = SubjectGroup.objects.get(library=school["a"], name="Ngoại ngữ")
    assert group.subjects == [Subject.TIENG_ANH]
    assert set(group.members) == {school["teacher"], school["principal"]}
    assert group.group.permissions.filter(codename="access_admin").exists()
    assert has_role(school["teacher"], school["a"], Role.REVIEWER)
    english = make_material("pdf/scotus-transcript-p1.pdf", publish=False, subject=Subject.TIENG_ANH,
                            owner=school["teacher2"])
    assert set(reviewers_for(english)) == {school["teacher"], school["principal"]}
    # Nobody reviews their own work: the leader's own material goes to the other member.
    own = make_material("pdf/scotus-transcript-p1.pdf", publish=False, subject=Subject.TIENG_ANH)
    assert set(reviewers_for(own)) == {school["principal"]}


def test_librarian_edits_members_of_own_group(school, client):
    toan = school["toan"]
    client.force_login(school["librarian"])
    form = client.get(reverse("subject_groups:edit", args=(toan.pk,))).context["form"]
    assert form.fields["library"].disabled
    assert set(form.fields["members"].initial) == {school["reviewer"].pk}
    # People offered: staff of library a only.
    offered = set(form.fields["members"].queryset)
    assert {school["teacher"], school["teacher2"], school["principal"]} <= offered
    assert not offered & {school["student"], school["reviewer_b"], school["student_b"]}
    response = client.post(reverse("subject_groups:edit", args=(toan.pk,)), group_form(
        school["a"], toan.name, [Subject.TOAN, Subject.TIN_HOC], leader=school["teacher"],
        members=[school["teacher"]],
    ))
    assert response.status_code == 302, response.context and response.context["form"].errors
    toan.refresh_from_db()
    assert toan.leader == school["teacher"]
    assert set(toan.members) == {school["teacher"]}
    # The former leader is in no other group of the library: the reviewer role goes with the seat.
    assert not has_role(school["reviewer"], school["a"], Role.REVIEWER)
    assert has_role(school["reviewer"], school["a"], Role.TEACHER)
    assert has_role(school["teacher"], school["a"], Role.REVIEWER)


def test_librarian_cannot_touch_another_library_groups(school, client):
    toan_b = school["toan_b"]
    client.force_login(school["librarian"])
    for url in (
        reverse("subject_groups:edit", args=(toan_b.pk,)),
        reverse("subject_groups:delete", args=(toan_b.pk,)),
        reverse("subject_groups:history", args=(toan_b.pk,)),
    ):
        assert client.get(url).status_code in (403, 404), url
    response = client.post(reverse("subject_groups:edit", args=(toan_b.pk,)), group_form(
        school["b"], "Bị đổi", [Subject.TOAN], members=[school["librarian"]],
    ))
    assert response.status_code in (403, 404)
    assert client.post(reverse("subject_groups:delete", args=(toan_b.pk,))).status_code in (403, 404)
    toan_b.refresh_from_db()
    assert toan_b.name == "Toán"
    assert set(toan_b.members) == {school["reviewer_b"]}

    # Nor create one in library b.
    response = client.post(reverse("subject_groups:add"), group_form(
        school["b"], "Ngữ văn", [Subject.NGU_VAN], members=[school["reviewer_b"]],
    ))
    assert response.status_code == 200
    assert "library" in response.context["form"].errors
    assert not SubjectGroup.objects.filter(library=school["b"], name="Ngữ văn").exists()


@pytest.mark.parametrize("name", ["teacher", "reviewer", "principal", "student", "reviewer_b"])
def test_non_librarians_cannot_manage_groups(school, client, name):
    client.force_login(school[name])
    assert refused(client.get(reverse("subject_groups:index")))
    assert refused(client.get(reverse("subject_groups:edit", args=(school["toan"].pk,))))
    response = client.post(reverse("subject_groups:add"), group_form(
        school["a"], "Tổ giả", [Subject.AM_NHAC], members=[school[name]] if name != "student" else [],
    ))
    assert refused(response)
    assert not SubjectGroup.objects.filter(name="Tổ giả").exists()


def test_group_members_must_be_staff_of_the_library(school, client):
    client.force_login(school["librarian"])
    response = client.post(reverse("subject_groups:add"), group_form(
        school["a"], "Âm nhạc", [Subject.AM_NHAC], leader=school["reviewer_b"], members=[school["student"]],
    ))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "leader" in errors and "members" in errors
    assert not SubjectGroup.objects.filter(name="Âm nhạc").exists()


def test_a_subject_belongs_to_one_group_per_library(school, client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("subject_groups:add"), group_form(
        school["a"], "Toán 2", [Subject.TOAN], members=[school["teacher"]],
    ))
    assert response.status_code == 200
    assert "subjects" in response.context["form"].errors
    # Another library may have its own Toán group.
    response = client.post(reverse("subject_groups:add"), group_form(
        school["outsider"], "Toán", [Subject.TOAN],
    ))
    assert response.status_code == 302


def test_librarian_deletes_own_group(school, client):
    van = school["van"]
    group_id = van.group_id
    client.force_login(school["librarian"])
    response = client.post(reverse("subject_groups:delete", args=(van.pk,)))
    assert response.status_code == 302
    assert not SubjectGroup.objects.filter(pk=van.pk).exists()
    assert not Group.objects.filter(pk=group_id).exists()
    assert not has_role(school["teacher2"], school["a"], Role.REVIEWER)
    assert has_role(school["reviewer"], school["a"], Role.REVIEWER)


def test_screens_render(school, client, superuser):
    client.force_login(superuser)
    for url in (
        reverse("libraries:index"),
        reverse("libraries:add"),
        reverse("libraries:edit", args=(school["a"].pk,)),
        reverse("library_networks:index"),
        reverse("library_networks:add"),
        reverse("subject_groups:index"),
        reverse("subject_groups:index") + "?q=To%C3%A1n",
        reverse("subject_groups:add"),
        reverse("subject_groups:edit", args=(school["toan"].pk,)),
        reverse("subject_groups:delete", args=(school["toan"].pk,)),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(reverse("subject_groups:index")).content.decode()
    assert "Toán, Tin học" in html
