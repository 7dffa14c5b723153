"""E-mails: a submission is mailed to its reviewers only, never to the submitter or another library."""

import pytest
from django.core import mail

from repository.choices import Role

from .conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def addresses(school, victim):
    people = ["teacher", "teacher2", "reviewer", "reviewer_b", "principal", "librarian", "student"]
    for name in people:
        school[name].email = f"{school[name].username}@truong.edu.vn"
        school[name].save(update_fields=["email"])
    victim["teacher_b"].email = "gv_b@truong.edu.vn"
    victim["teacher_b"].save(update_fields=["email"])
    return people


def test_submission_mail_goes_to_the_reviewers_of_its_library_only(school, victim, addresses, make_material):
    school["principal"].groups.add(school["b"].role_group(Role.PRINCIPAL))  # a principal of both schools
    mail.outbox.clear()
    page = make_material(PDF, publish=False, owner=victim["teacher_b"], parent=school["index_b"],
                         title="Bài mới của trường Lê Lợi")
    page.get_workflow().start(page, victim["teacher_b"])
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {school["reviewer_b"].email}
    for name in ("teacher", "teacher2", "reviewer", "librarian", "student"):
        assert school[name].email not in recipients
    assert "gv_b@truong.edu.vn" not in recipients


def test_the_submitter_in_the_group_is_not_mailed_her_own_submission(school, addresses, make_material):
    school["toan"].group.user_set.add(school["teacher"])
    mail.outbox.clear()
    page = make_material(PDF, publish=False, owner=school["teacher"])
    page.get_workflow().start(page, school["teacher"])
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {school["reviewer"].email}
