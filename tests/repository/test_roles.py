"""Role set-up (repository.roles) and subject-group membership (repository.review)."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Collection, WorkflowPage, WorkflowTask

from repository.choices import Role, Subject
from repository.models import (
    LibraryIndexPage,
    LibraryRoleGroup,
    PrincipalSignOffTask,
    SubjectGroup,
    SubjectGroupReviewTask,
)
from repository.review import delete_subject_group, set_members
from repository.roles import REVIEW_WORKFLOW_NAME, create_subject_group, setup_library, site_home_page

pytestmark = pytest.mark.django_db


def test_setup_library_is_idempotent_and_builds_one_review_workflow(school):
    a = school["a"]
    again = setup_library(a)
    assert again.pk == school["index_a"].pk
    assert LibraryIndexPage.objects.filter(library=a).count() == 1
    a.refresh_from_db()
    assert a.collection is not None
    assert Collection.objects.filter(name=a.collection.name).count() == 1
    assert LibraryRoleGroup.objects.filter(library=a).count() == len(Role)

    # Three libraries were set up by the fixture, plus this call: still the two steps, saved in the
    # workflow: the subject group's review, then the principal's sign-off.
    workflow = WorkflowPage.objects.get(page=site_home_page()).workflow
    assert workflow.name == REVIEW_WORKFLOW_NAME
    tasks = [wt.task.specific for wt in WorkflowTask.objects.filter(workflow=workflow).order_by("sort_order")]
    assert [type(task) for task in tasks] == [SubjectGroupReviewTask, PrincipalSignOffTask]
    assert SubjectGroupReviewTask.objects.count() == 1 and PrincipalSignOffTask.objects.count() == 1
    assert school["index_a"].get_workflow() == workflow


def test_page_permissions_follow_roles(school, make_material):
    index_a, index_b = school["index_a"], school["index_b"]
    page = make_material("pdf/scotus-transcript-p1.pdf", publish=False, owner=school["teacher"])

    teacher = index_a.permissions_for_user(school["teacher"])
    assert teacher.can_add_subpage()
    assert not teacher.can_publish_subpage()
    assert page.permissions_for_user(school["teacher"]).can_edit()
    assert not page.permissions_for_user(school["teacher"]).can_publish()
    # Another teacher may not edit someone else's material ...
    assert not page.permissions_for_user(school["teacher2"]).can_edit()
    # ... nor add to another library.
    assert not index_b.permissions_for_user(school["teacher"]).can_add_subpage()

    for name in ("principal", "librarian"):
        perms = page.permissions_for_user(school[name])
        assert perms.can_edit() and perms.can_publish(), name
    assert not page.permissions_for_user(school["reviewer_b"]).can_edit()
    assert not school["student"].has_perm("wagtailadmin.access_admin")
    assert school["teacher"].has_perm("wagtailadmin.access_admin")


def test_create_subject_group_gives_the_reviewer_role(school):
    group = create_subject_group(school["b"], "Ngữ văn", [Subject.NGU_VAN], members=[school["student_b"]])
    assert set(group.members) == {school["student_b"]}
    assert school["b"].has_member(school["student_b"], [Role.REVIEWER])
    assert group.group.permissions.filter(codename="access_admin").exists()


def test_set_members_keeps_the_role_of_someone_still_in_another_group(school):
    toan, van = school["toan"], school["van"]
    set_members(van, [school["reviewer"]])  # teacher2 leads Ngữ văn, stays as leader
    assert set(van.members) == {school["reviewer"], school["teacher2"]}

    # Leaving Toán - Tin, the reviewer is still in Ngữ văn: keeps the role.
    toan.leader = None
    toan.save()
    set_members(toan, [])
    assert set(toan.members) == set()
    assert school["a"].has_member(school["reviewer"], [Role.REVIEWER])

    # Leaving Ngữ văn too: loses it.
    set_members(van, [])
    assert set(van.members) == {school["teacher2"]}
    assert not school["a"].has_member(school["reviewer"], [Role.REVIEWER])
    assert school["a"].has_member(school["reviewer"], [Role.TEACHER])


def test_delete_subject_group_removes_its_wagtail_group(school):
    van = school["van"]
    group_pk = van.group_id
    delete_subject_group(van)
    assert not SubjectGroup.objects.filter(pk=van.pk).exists()
    assert not Group.objects.filter(pk=group_pk).exists()
    assert not school["a"].has_member(school["teacher2"], [Role.REVIEWER])
