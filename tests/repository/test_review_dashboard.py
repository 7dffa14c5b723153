"""Review where the reviewer works (issue 9, items 2 and 3): the dashboard's "Chờ tôi duyệt" (oldest
first, with waiting time) and "Bài của tôi" (status and last reviewer comment), the review history
of a material (every step: who, when, decision, comment, file version) and what the published page
says of its review."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState

from repository.choices import ReviewChain
from repository.models import MaterialPage
from repository.review import review_attestation, review_history
from tests.repository.test_review import create_material, fresh, material_form, workflow_action

pytestmark = pytest.mark.django_db


def submit(client, school, upload, slug, title):
    response = create_material(client, school["teacher"], school["index_a"], upload(school["teacher"]),
                               slug=slug, title=title)
    assert response.status_code == 302
    client.logout()
    return MaterialPage.objects.get(slug=slug)


def test_awaiting_my_review_lists_oldest_first_with_waiting_time(school, client, upload):
    older = submit(client, school, upload, "bai-cu", "Bài gửi trước")
    newer = submit(client, school, upload, "bai-moi", "Bài gửi sau")
    TaskState.objects.filter(pk=older.current_workflow_task_state.pk).update(
        started_at=timezone.now() - timedelta(days=3))

    client.force_login(school["reviewer"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Chờ tôi duyệt" in html and "Awaiting your review" not in html
    assert html.index("Bài gửi trước") < html.index("Bài gửi sau")
    assert "3\xa0ngày" in html or "3 ngày" in html  # how long it has waited

    # Nobody else sees them there: another library's reviewer, another subject's, the teacher.
    for other in ("reviewer_b", "teacher2"):
        client.force_login(school[other])
        html = client.get(reverse("wagtailadmin_home")).content.decode()
        assert "Bài gửi trước" not in html and "Bài gửi sau" not in html, other
    assert newer.pk != older.pk


def test_my_submissions_show_status_and_the_last_comment(school, client, upload):
    page = submit(client, school, upload, "bai-cua-toi", "Bài của cô Lan")
    workflow_action(client, school["reviewer"], page, "reject", comment="Bổ sung phần luyện tập.")
    client.force_login(school["teacher"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Bài của tôi" in html
    assert 'data-status="needs_changes"' in html and "Cần chỉnh sửa" in html
    assert "Bổ sung phần luyện tập." in html
    # The reviewer does not see it among their own submissions.
    client.force_login(school["reviewer"])
    assert "Bài của cô Lan" not in client.get(reverse("wagtailadmin_home")).content.decode().split(
        "Bài của tôi")[-1]


def test_history_names_every_step_and_the_file_version(school, client, upload):
    school["a"].review_chain = ReviewChain.SUBJECT_GROUP_PRINCIPAL
    school["a"].save(update_fields=["review_chain"])
    page = submit(client, school, upload, "lich-su", "Lịch sử duyệt")
    first_file = page.get_latest_revision().content["file"]
    workflow_action(client, school["reviewer"], page, "reject", comment="Thiếu mục tiêu.")
    client.force_login(school["teacher"])
    new_file = upload(school["teacher"], "pdf/issue-33-lorem-ipsum.pdf")
    response = client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)),
                           material_form(new_file, "action-submit", slug="lich-su", title="Lịch sử duyệt"))
    assert response.status_code == 302
    workflow_action(client, school["reviewer"], fresh(page), "approve", comment="Đạt.")
    workflow_action(client, school["principal"], fresh(page), "approve")
    page = fresh(page)
    assert page.live

    events = list(reversed(review_history(page)))  # oldest first
    assert [(e.kind, e.who) for e in events] == [
        ("submitted", school["teacher"]), ("rejected", school["reviewer"]),
        ("submitted", school["teacher"]), ("approved", school["reviewer"]), ("approved", school["principal"]),
    ]
    assert events[1].comment == "Thiếu mục tiêu." and events[3].comment == "Đạt."
    assert events[0].file_id == first_file and events[-1].file_id == new_file.pk
    assert events[-1].sha256 == new_file.sha256

    # The material's admin page shows the same history.
    client.force_login(school["teacher"])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    assert "data-review-history" in edit and "Thiếu mục tiêu." in edit
    assert new_file.sha256[:12] in edit

    # The published page says who reviewed and who signed off.
    attestation = review_attestation(page)
    assert attestation["group"] == school["toan"].name and attestation["signed_off_by"] == school["principal"]
    client.logout()
    html = client.get(page.url).content.decode()
    assert f"Đã thẩm định bởi tổ {school['toan'].name} ngày" in html
    assert "ký duyệt ngày" in html


def test_a_material_published_without_review_claims_none(make_material, client):
    page = make_material("pdf/scotus-transcript-p1.pdf")
    assert review_attestation(page) is None
    assert "Đã thẩm định" not in client.get(page.url).content.decode()


def test_review_emails_are_hoclieus_vietnamese_templates(school, client, upload, mailoutbox, settings):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True  # the HTML part too
    for name in ("teacher", "reviewer"):
        school[name].email = f"{school[name].username}@truong.edu.vn"
        school[name].save(update_fields=["email"])
    page = submit(client, school, upload, "thu-dien-tu", "Bài thư điện tử")
    to_reviewer = [m for m in mailoutbox if school["reviewer"].email in m.to]
    assert to_reviewer
    assert to_reviewer[0].subject == "Học liệu “Bài thư điện tử” chờ thầy/cô duyệt (Tổ chuyên môn duyệt)"
    assert "Kính gửi thầy/cô" in to_reviewer[0].body and "đang chờ thầy/cô duyệt" in to_reviewer[0].body
    html = to_reviewer[0].alternatives[0][0]
    assert "Kính gửi thầy/cô" in html and "Hello" not in html

    mailoutbox.clear()
    workflow_action(client, school["reviewer"], page, "reject", comment="Thiếu phần vận dụng.")
    to_teacher = [m for m in mailoutbox if school["teacher"].email in m.to]
    assert to_teacher and to_teacher[0].subject == "Học liệu “Bài thư điện tử” cần chỉnh sửa"
    assert "Lí do: “Thiếu phần vận dụng.”" in to_teacher[0].body
    assert "gửi duyệt lại" in to_teacher[0].body and "rejected" not in to_teacher[0].body
    assert "Lí do: “Thiếu phần vận dụng.”" in to_teacher[0].alternatives[0][0]
