"""The subject-group review workflow, through the real Wagtail admin views.

A teacher creates and submits a material; the subject group of its subject in its own library
approves it (published) or sends it back with a comment; nobody else may act on it.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from repository.choices import Role, Subject
from repository.models import MaterialPage, SubjectGroupReviewTask
from repository.review import reviewers_for, user_can_review
from repository.roles import add_member

pytestmark = pytest.mark.django_db

FINISH_ACTION = "repository.workflow_actions.publish_approved"


def test_finish_action_is_configured(settings):
    """Approvers publish through the workflow without publish permission of their own."""
    assert getattr(settings, "WAGTAIL_FINISH_WORKFLOW_ACTION", None) == FINISH_ACTION


# --- helpers ------------------------------------------------------------------------------------


def material_form(material_file, action, title="Phân số – Lớp 6", slug="phan-so-lop-6", **fields):
    """POST data of the MaterialPage admin form, with the button `action` ("action-submit", ...)."""
    data = {
        "title": title,
        "slug": slug,
        "material_type": "lesson_plan",
        "creators": "Nguyễn Thị Lan",
        "subject": Subject.TOAN,
        "grade": "6",
        "language": "vie",
        "file": str(material_file.pk),
        "rights": "CC-BY-4.0",
        "access_level": "public",
        "comments": inline_formset([]),
        action: "1",
    }
    data.update(fields)
    return nested_form_data(data)


def create_material(client, user, parent, material_file, action="action-submit", **fields):
    """Create a MaterialPage under `parent` as `user` through the admin; returns the response."""
    client.force_login(user)
    url = reverse("wagtailadmin_pages:add", args=("repository", "materialpage", parent.pk))
    return client.post(url, material_form(material_file, action, **fields))


def workflow_action(client, user, page, action, comment=""):
    """POST a workflow action ("approve" / "reject") on the page's current task state as `user`."""
    client.force_login(user)
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk))
    return client.post(url, {"comment": comment})


def fresh(page):
    return MaterialPage.objects.get(pk=page.pk)


@pytest.fixture
def submitted(school, client, upload):
    """A Toán material of library a, created and submitted by the teacher through the admin."""
    response = create_material(client, school["teacher"], school["index_a"], upload(school["teacher"]))
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    page = MaterialPage.objects.get(slug="phan-so-lop-6")
    client.logout()
    return page


# --- who reviews --------------------------------------------------------------------------------


def test_reviewers_resolved_per_page(school, make_material):
    toan_a = make_material("pdf/scotus-transcript-p1.pdf", publish=False, subject=Subject.TIN_HOC)
    van_a = make_material("pdf/scotus-transcript-p1.pdf", publish=False, subject=Subject.NGU_VAN)
    toan_b = make_material("pdf/scotus-transcript-p1.pdf", publish=False, parent=school["index_b"],
                           owner=school["student_b"])
    english_a = make_material("pdf/scotus-transcript-p1.pdf", publish=False, subject=Subject.TIENG_ANH)

    assert set(reviewers_for(toan_a)) == {school["reviewer"]}
    assert set(reviewers_for(van_a)) == {school["teacher2"]}
    assert set(reviewers_for(toan_b)) == {school["reviewer_b"]}
    # No subject group for English in library a: its principals review.
    assert set(reviewers_for(english_a)) == {school["principal"]}
    assert not user_can_review(school["reviewer"], toan_b)
    assert not user_can_review(school["principal"], toan_a)


def test_subject_is_read_from_the_revision_under_review(school, make_material):
    """A published Toán lesson moved to Ngữ văn in a draft goes to the Ngữ văn group."""
    page = make_material("pdf/scotus-transcript-p1.pdf")
    page.subject = Subject.NGU_VAN
    revision = page.save_revision(user=school["teacher"])
    page.get_workflow().start(page, school["teacher"])
    page = fresh(page)
    assert page.subject == Subject.TOAN  # the live row is unchanged
    assert page.current_workflow_task_state.revision_id == revision.pk
    task = page.current_workflow_task
    assert task.get_actions(page, school["teacher2"])
    assert not task.get_actions(page, school["reviewer"])


# --- the flow through the admin -----------------------------------------------------------------


def test_submit_then_approve_publishes(school, client, submitted):
    page = submitted
    assert not page.live
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert isinstance(page.current_workflow_task, SubjectGroupReviewTask)
    assert state.requested_by == school["teacher"]
    assert client.get(page.url).status_code == 404

    response = workflow_action(client, school["reviewer"], page, "approve", comment="Đạt yêu cầu.")
    assert response.status_code == 302
    page = fresh(page)
    assert page.live
    assert not page.has_unpublished_changes
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    # The library asks for the subject group only: the principal's sign-off step is skipped.
    approved = state.task_states.get(task__in=SubjectGroupReviewTask.objects.all())
    assert set(state.task_states.exclude(pk=approved.pk).values_list("status", flat=True)) == {
        TaskState.STATUS_SKIPPED}
    assert approved.status == TaskState.STATUS_APPROVED
    assert approved.finished_by == school["reviewer"]
    assert approved.comment == "Đạt yêu cầu."
    # The reviewer has no publish permission of their own: publishing came from the workflow.
    assert not page.permissions_for_user(school["reviewer"]).can_publish()
    client.logout()
    assert client.get(page.url).status_code == 200


def test_send_back_edit_resubmit_approve(school, client, submitted, upload):
    page = submitted
    response = workflow_action(client, school["reviewer"], page, "reject", comment="Thiếu mục tiêu bài học.")
    assert response.status_code == 302
    state = WorkflowState.objects.get(pk=page.current_workflow_state.pk)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    rejected = state.task_states.get()
    assert rejected.status == TaskState.STATUS_REJECTED
    assert rejected.comment == "Thiếu mục tiêu bài học."
    assert not fresh(page).live

    # The teacher edits and resubmits: the same workflow resumes on a new task state.
    client.force_login(school["teacher"])
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = client.post(edit_url, material_form(
        upload(school["teacher"]), "action-submit", summary="Mục tiêu: cộng, trừ phân số."
    ))
    assert response.status_code == 302
    page = fresh(page)
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert page.current_workflow_task_state.status == TaskState.STATUS_IN_PROGRESS
    assert state.task_states.count() == 2
    assert not page.live

    workflow_action(client, school["reviewer"], page, "approve")
    page = fresh(page)
    assert page.live
    assert page.summary == "Mục tiêu: cộng, trừ phân số."


@pytest.mark.parametrize("intruder", ["teacher2", "reviewer_b", "principal", "teacher", "student"])
def test_only_the_page_reviewers_can_act(school, client, submitted, intruder):
    page = submitted
    task_state = page.current_workflow_task_state
    for action in ("approve", "reject"):
        response = workflow_action(client, school[intruder], page, action, comment="Tôi duyệt.")
        assert response.status_code in (302, 403, 404), (intruder, action)
        task_state.refresh_from_db()
        assert task_state.status == TaskState.STATUS_IN_PROGRESS, (intruder, action)
    assert not fresh(page).live


def test_reviewer_cannot_act_on_another_page_through_the_url(school, client, submitted, upload):
    """The action view checks the page in the URL; the task checks the page of the task state."""
    own = create_material(client, school["reviewer_b"], school["index_b"], upload(school["reviewer_b"]),
                          slug="phan-so-b")
    assert own.status_code == 302
    own_page = MaterialPage.objects.get(slug="phan-so-b")
    assert own_page.workflow_in_progress
    other_state = submitted.current_workflow_task_state

    client.force_login(school["reviewer_b"])
    url = reverse("wagtailadmin_pages:workflow_action", args=(own_page.pk, "approve", other_state.pk))
    response = client.post(url, {"comment": ""})
    assert response.status_code in (302, 403)
    other_state.refresh_from_db()
    assert other_state.status == TaskState.STATUS_IN_PROGRESS
    assert not fresh(submitted).live


def test_fallback_to_principals(school, client, upload):
    response = create_material(client, school["teacher"], school["index_a"], upload(school["teacher"]),
                               subject=Subject.TIENG_ANH)
    assert response.status_code == 302
    page = MaterialPage.objects.get(slug="phan-so-lop-6")
    workflow_action(client, school["reviewer"], page, "approve")
    assert not fresh(page).live
    workflow_action(client, school["principal"], page, "approve")
    assert fresh(page).live


def test_dashboard_lists_only_own_reviews(school, client, submitted, upload):
    teacher_b = get_user_model().objects.create_user("gv_b", password="pw")
    add_member(teacher_b, school["b"], Role.TEACHER)
    create_material(client, teacher_b, school["index_b"], upload(teacher_b),
                    title="Bài của trường B", slug="bai-b")
    page_b = MaterialPage.objects.get(slug="bai-b")

    def reviewable(user):
        return {ts.workflow_state.object_id for ts in TaskState.objects.reviewable_by(user)}

    assert reviewable(school["reviewer"]) == {str(submitted.pk)}
    assert reviewable(school["reviewer_b"]) == {str(page_b.pk)}
    assert reviewable(school["teacher2"]) == set()
    assert reviewable(school["student"]) == set()

    reader = Client()  # a fresh client: no "created and submitted" message left from the posts above
    reader.force_login(school["reviewer"])
    home = reader.get(reverse("wagtailadmin_home")).content.decode()
    assert submitted.title in home
    assert "Bài của trường B" not in home
    reader.force_login(school["teacher2"])
    assert submitted.title not in reader.get(reverse("wagtailadmin_home")).content.decode()


def test_page_locked_for_non_reviewers_while_in_review(school, client, submitted, upload):
    page = submitted
    lock = page.get_lock()
    assert lock.for_user(school["teacher"])
    assert not lock.for_user(school["reviewer"])
    # The owner cannot change it while it is in review ...
    client.force_login(school["teacher"])
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    client.post(edit_url, material_form(upload(school["teacher"]), "action-submit", title="Đổi tên"))
    assert fresh(page).draft_title != "Đổi tên"
    # ... the reviewer (no edit permission on the teacher's page otherwise) may open the editor.
    client.force_login(school["reviewer"])
    assert client.get(edit_url).status_code == 200


# --- who may do what in the page tree -----------------------------------------------------------


def test_reviewer_of_another_library_cannot_see_library_a(school, client, submitted):
    client.force_login(school["reviewer_b"])
    for url in (
        reverse("wagtailadmin_explore", args=(school["index_a"].pk,)),
        reverse("wagtailadmin_pages:edit", args=(submitted.pk,)),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert submitted.title not in response.content.decode()


def test_student_cannot_open_the_admin(school, client):
    client.force_login(school["student"])
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_teacher_cannot_publish_directly(school, client, upload):
    response = create_material(client, school["teacher"], school["index_a"], upload(school["teacher"]),
                               action="action-publish")
    assert response.status_code in (200, 302, 403)
    page = MaterialPage.objects.filter(slug="phan-so-lop-6").first()
    assert page is None or not page.live


def test_librarian_publishes_without_review(school, client, upload):
    response = create_material(client, school["librarian"], school["index_a"], upload(school["librarian"]),
                               action="action-publish", material_type="digitised")
    assert response.status_code == 302
    page = MaterialPage.objects.get(slug="phan-so-lop-6")
    assert page.live
    assert not page.workflow_states.exists()


def test_teacher_cannot_add_under_another_library(school, client, upload):
    response = create_material(client, school["teacher"], school["index_b"], upload(school["teacher"]))
    assert response.status_code in (302, 403, 404)
    assert not MaterialPage.objects.filter(slug="phan-so-lop-6").exists()
    client.force_login(school["teacher"])
    url = reverse("wagtailadmin_pages:add", args=("repository", "materialpage", school["index_b"].pk))
    assert client.get(url).status_code in (302, 403, 404)


# --- notifications ------------------------------------------------------------------------------


@pytest.fixture
def emails(school):
    for name in ("teacher", "teacher2", "reviewer", "reviewer_b", "principal", "librarian"):
        school[name].email = f"{school[name].username}@truong.edu.vn"
        school[name].save(update_fields=["email"])


def recipients():
    return {address for message in mail.outbox for address in message.to}


def test_reviewers_are_emailed_on_submit(school, emails, submitted):
    assert school["reviewer"].email in recipients()
    for name in ("teacher", "teacher2", "reviewer_b", "principal", "librarian"):
        assert school[name].email not in recipients(), name


def test_submitter_is_emailed_on_approve_and_send_back(school, emails, client, submitted):
    mail.outbox.clear()
    workflow_action(client, school["reviewer"], submitted, "reject", comment="Thiếu đáp án.")
    assert recipients() == {school["teacher"].email}
    assert any("Thiếu đáp án." in message.body for message in mail.outbox)

    mail.outbox.clear()
    state = fresh(submitted).current_workflow_state
    state.resume(school["teacher"])
    mail.outbox.clear()
    workflow_action(client, school["reviewer"], fresh(submitted), "approve")
    assert recipients() == {school["teacher"].email}
