"""The review chain each library configures (issue 9, item 1): the subject group only, or the subject
group then the principal's sign-off, built from Wagtail workflow tasks and driven through the real
admin views.

A reviewer approves, approves with a comment, or requests changes with a required reason; the
teacher edits and resubmits and review starts again at the first step; nobody reviews their own
submission; others are refused at every step, by direct POST too.
"""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

from repository.choices import ReviewChain, Role
from repository.models import PrincipalSignOffTask, SubjectGroupReviewTask
from repository.review import sign_off_assignment, user_can_sign_off
from repository.roles import add_member
from tests.repository.test_review import create_material, fresh, material_form, workflow_action

pytestmark = pytest.mark.django_db


def task_of(page):
    return fresh(page).current_workflow_task_state.task.specific


def chain(library, value):
    library.review_chain = value
    library.save(update_fields=["review_chain"])


@pytest.fixture
def signed_off_library(school):
    chain(school["a"], ReviewChain.SUBJECT_GROUP_PRINCIPAL)
    school["principal"].email = "hieutruong@thcs-nd.edu.vn"
    school["principal"].save(update_fields=["email"])
    return school


@pytest.fixture
def submitted(school, client, upload):
    def _submit(slug="phan-so-lop-6"):
        response = create_material(client, school["teacher"], school["index_a"], upload(school["teacher"]),
                                   slug=slug)
        assert response.status_code == 302
        client.logout()
        from repository.models import MaterialPage

        return MaterialPage.objects.get(slug=slug)

    return _submit


def test_subject_group_only_chain_skips_the_principal(school, client, submitted):
    page = submitted()
    assert isinstance(task_of(page), SubjectGroupReviewTask)
    workflow_action(client, school["reviewer"], page, "approve")
    page = fresh(page)
    assert page.live
    state = WorkflowState.objects.filter(base_content_type__isnull=False, object_id=str(page.pk)).get()
    assert state.status == WorkflowState.STATUS_APPROVED
    statuses = {ts.task.specific.__class__: ts.status for ts in state.task_states.all()}
    assert statuses == {SubjectGroupReviewTask: TaskState.STATUS_APPROVED,
                        PrincipalSignOffTask: TaskState.STATUS_SKIPPED}


def test_subject_group_then_principal(signed_off_library, client, submitted):
    school = signed_off_library
    page = submitted()
    mail.outbox.clear()
    workflow_action(client, school["reviewer"], page, "approve", comment="Đạt.")
    page = fresh(page)
    assert not page.live
    assert isinstance(task_of(page), PrincipalSignOffTask)
    # The principals are told a material awaits their sign-off.
    assert any("hieutruong@thcs-nd.edu.vn" in message.to for message in mail.outbox)

    # The subject group's reviewer has no say on the principal's step, nor has anyone else.
    for intruder in ("reviewer", "teacher", "teacher2", "student", "reviewer_b", "librarian"):
        for action in ("approve", "reject"):
            response = workflow_action(client, school[intruder], page, action, comment="Tôi duyệt.")
            assert response.status_code in (302, 403, 404), (intruder, action)
            assert not fresh(page).live, (intruder, action)
            assert isinstance(task_of(page), PrincipalSignOffTask), (intruder, action)

    client.force_login(school["principal"])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    assert "Ký duyệt" in edit
    workflow_action(client, school["principal"], page, "approve", comment="Đồng ý ban hành.")
    page = fresh(page)
    assert page.live
    sign_off = page.workflow_states.get().task_states.get(task__in=PrincipalSignOffTask.objects.all())
    assert sign_off.status == TaskState.STATUS_APPROVED and sign_off.finished_by == school["principal"]
    assert sign_off.comment == "Đồng ý ban hành."


def test_changes_need_a_reason_and_review_starts_again_at_the_first_step(signed_off_library, client,
                                                                          submitted, upload):
    school = signed_off_library
    page = submitted()
    workflow_action(client, school["reviewer"], page, "approve")
    sign_off_state = fresh(page).current_workflow_task_state

    # Sending back without a reason is refused and changes nothing.
    workflow_action(client, school["principal"], page, "reject", comment="   ")
    sign_off_state.refresh_from_db()
    assert sign_off_state.status == TaskState.STATUS_IN_PROGRESS
    with pytest.raises(PermissionDenied):
        sign_off_state.task.specific.on_action(sign_off_state, school["principal"], "reject", comment="")

    workflow_action(client, school["principal"], page, "reject", comment="Thiếu phần đánh giá.")
    sign_off_state.refresh_from_db()
    assert sign_off_state.status == TaskState.STATUS_REJECTED
    assert fresh(page).current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES

    # The teacher sees the reason, edits and resubmits: the subject group reviews again first.
    client.force_login(school["teacher"])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    assert "yêu cầu chỉnh sửa: “Thiếu phần đánh giá.”" in edit
    assert "hieutruong" in edit  # who asked
    response = client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), material_form(
        upload(school["teacher"]), "action-submit", summary="Thêm phần đánh giá."))
    assert response.status_code == 302
    assert isinstance(task_of(page), SubjectGroupReviewTask)
    workflow_action(client, school["principal"], page, "approve")  # not the principal's turn
    assert isinstance(task_of(page), SubjectGroupReviewTask)
    workflow_action(client, school["reviewer"], page, "approve")
    assert isinstance(task_of(page), PrincipalSignOffTask)
    workflow_action(client, school["principal"], page, "approve")
    page = fresh(page)
    assert page.live and page.summary == "Thêm phần đánh giá."


def test_nobody_signs_off_their_own_submission(signed_off_library, client, make_material):
    school = signed_off_library
    own = make_material("pdf/scotus-transcript-p1.pdf", publish=False, owner=school["principal"])
    assert not user_can_sign_off(school["principal"], own)
    assert school["principal"] not in set(sign_off_assignment(own).reviewers)
    # A second principal signs off instead.
    deputy = type(school["principal"]).objects.create_user(username="pho_hieutruong", password="pw")
    add_member(deputy, school["a"], Role.PRINCIPAL)
    assert user_can_sign_off(deputy, own)
    other = make_material("pdf/scotus-transcript-p1.pdf", publish=False)
    assert user_can_sign_off(school["principal"], other)
    assert not user_can_sign_off(school["reviewer"], other)


# --- the chain is configured in the admin -----------------------------------------------------------


def test_a_principal_sets_their_library_chain(school, client):
    url = reverse("hoclieu_review_chain")
    client.force_login(school["principal"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # The header's breadcrumbs end in the screen's own title, not "Trang chủ".
    crumbs = html.split('class="w-breadcrumbs', 1)[1].split("</ol>", 1)[0]
    assert "Quy trình duyệt" in crumbs
    assert 'data-library="THCS-ND"' in html and 'data-library="THCS-LL"' not in html
    response = client.post(url, {"library": school["a"].pk, f"l{school['a'].pk}-library": school["a"].pk,
                                 f"l{school['a'].pk}-review_chain": ReviewChain.SUBJECT_GROUP_PRINCIPAL})
    assert response.status_code == 302
    school["a"].refresh_from_db()
    assert school["a"].review_chain == ReviewChain.SUBJECT_GROUP_PRINCIPAL


@pytest.mark.parametrize("who", ["principal", "student", "teacher", "reviewer"])
def test_nobody_sets_another_library_chain(school, client, who):
    b = school["b"]
    client.force_login(school[who])
    response = client.post(reverse("hoclieu_review_chain"), {
        "library": b.pk, f"l{b.pk}-library": b.pk,
        f"l{b.pk}-review_chain": ReviewChain.SUBJECT_GROUP_PRINCIPAL})
    assert response.status_code in (302, 404)  # students are sent to the admin's login
    assert response.status_code == 404 or "/login/" in response["Location"]
    b.refresh_from_db()
    assert b.review_chain == ReviewChain.SUBJECT_GROUP
