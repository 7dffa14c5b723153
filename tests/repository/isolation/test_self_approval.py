"""Separation of duties: nobody approves their own submission; a submission never waits for nobody."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import TaskState

from repository.choices import Role, Subject
from repository.review import ReviewRoute, review_assignment, user_can_review
from repository.roles import add_member, create_subject_group

from .conftest import PDF
from .test_attach_foreign_file import form_data

pytestmark = pytest.mark.django_db


def submit(page, user):
    page.save_revision(user=user)
    page.get_workflow().start(page, user)
    page.refresh_from_db()
    return page


def test_a_group_member_does_not_see_or_approve_her_own_submission(school, make_material, client):
    """gv_toan joins the Toán - Tin group, then submits: only the other member (the leader) reviews."""
    teacher, leader = school["teacher"], school["reviewer"]
    school["toan"].group.user_set.add(teacher)
    page = submit(make_material(PDF, publish=False, owner=teacher), teacher)
    assert set(review_assignment(page).reviewers) == {leader}
    assert not user_can_review(teacher, page)
    assert not TaskState.objects.reviewable_by(teacher).exists()
    client.force_login(teacher)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    approve = reverse("wagtailadmin_pages:workflow_action",
                      args=(page.pk, "approve", page.current_workflow_task_state.pk))
    assert approve not in home
    response = client.post(approve)
    assert response.status_code in (302, 403)
    page.refresh_from_db()
    assert not page.live
    with pytest.raises(PermissionDenied):
        page.current_workflow_task.specific.on_action(page.current_workflow_task_state, teacher, "approve")


def test_the_only_member_submitting_goes_to_the_principal_then_the_librarian(school, make_material):
    leader = school["reviewer"]  # the Toán - Tin group's only member
    page = submit(make_material(PDF, publish=False, owner=leader), leader)
    assignment = review_assignment(page)
    assert assignment.route == ReviewRoute.PRINCIPAL and set(assignment.reviewers) == {school["principal"]}
    assert "Toán - Tin" in assignment.explanation() and "ban giám hiệu" in assignment.explanation()
    school["principal"].groups.clear()
    assignment = review_assignment(page)
    assert assignment.route == ReviewRoute.LIBRARIAN and set(assignment.reviewers) == {school["librarian"]}


def test_a_library_with_no_group_and_no_principal_goes_to_its_librarian(school, make_material):
    """Library b has no Ngữ văn group and no principal (THCS-NSL in the demo had neither)."""
    User = get_user_model()
    teacher_b, librarian_b = (User.objects.create_user(n, password="pw") for n in ("gv_b", "tv_b"))
    add_member(teacher_b, school["b"], Role.TEACHER)
    add_member(librarian_b, school["b"], Role.LIBRARIAN)
    page = submit(make_material(PDF, publish=False, owner=teacher_b, parent=school["index_b"],
                                subject=Subject.NGU_VAN), teacher_b)
    assignment = review_assignment(page)
    assert assignment.route == ReviewRoute.LIBRARIAN and set(assignment.reviewers) == {librarian_b}
    assert "chưa có tổ chuyên môn" in assignment.explanation()
    page.current_workflow_task_state.approve(user=librarian_b)
    page.refresh_from_db()
    assert page.live


def test_the_admin_says_who_reviews_after_submitting(school, make_material, client):
    leader = school["reviewer"]
    page = make_material(PDF, publish=False, owner=leader)
    client.force_login(leader)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), form_data(page, page.file_id),
                           follow=True)
    assert response.status_code == 200
    texts = [str(message) for message in response.context["messages"]]
    assert any("nên ban giám hiệu duyệt" in text and "hieutruong" in text for text in texts), texts


def test_a_superuser_does_not_approve_her_own_submission_either(school, make_material, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "q@so.edu.vn", "pw")
    page = make_material(PDF, publish=False, owner=admin)
    page = submit(page, admin)
    assert not user_can_review(admin, page)
    assert set(review_assignment(page).reviewers) == {school["reviewer"]}


def test_a_new_member_of_a_group_sees_only_others_work(school, make_material):
    """A second Toán group of another library does not let its members review here (control)."""
    other = create_subject_group(school["b"], "Toán B2", [Subject.TIN_HOC], leader=school["reviewer_b"])
    page = submit(make_material(PDF, publish=False, subject=Subject.TIN_HOC), school["teacher"])
    assert not user_can_review(school["reviewer_b"], page)
    assert other.library == school["b"]
