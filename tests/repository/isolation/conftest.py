"""The attack surface of library isolation: another library's materials, and the people who try them.

The victim is library b (THCS Lê Lợi): a published school-only material and a draft in review, both
owned by b's teacher, with their files in b's collection, the published one locked. The attackers
are library a's teacher, a reviewer of another subject (the Ngữ văn group's leader), a's librarian,
a's student, and an anonymous visitor. Every test asserts that nothing of b's shows to them.
"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from repository.choices import Role, Subject

PDF = "pdf/scotus-transcript-p1.pdf"
ATTACKERS = ["teacher", "teacher2", "librarian", "student", None]
STAFF_ATTACKERS = ["teacher", "teacher2", "librarian"]


CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def body(response):
    """The whole body of `response` as text (streaming or not), JSON with its \\u escapes undone (a
    Vietnamese title in a JSON answer is escaped), CSRF tokens blanked (they differ per response)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return CSRF_TOKEN.sub('name="csrfmiddlewaretoken" value=""', text)


def assert_nothing_leaks(response, victim, *extra):
    """Assert that no title of the victim's pages or files (nor `extra` strings) is in `response`."""
    text = body(response)
    for secret in [*victim["secrets"], *extra]:
        assert secret not in text, (secret, response.status_code, response.request.get("PATH_INFO"))


@pytest.fixture
def victim(school, make_material):
    """Library b's secrets: dict with teacher_b, published, draft (MaterialPages), files, secrets."""
    from repository.models import MaterialPage

    User = get_user_model()
    teacher_b = User.objects.create_user("gv_b", password="pw", first_name="Bảo", last_name="Trịnh Gia")
    teacher_b.groups.add(school["b"].role_group(Role.TEACHER))
    published = make_material(PDF, parent=school["index_b"], owner=teacher_b, subject=Subject.TOAN,
                              title="Đề kiểm tra bí mật của trường Lê Lợi", access_level="school")
    draft = make_material(PDF, parent=school["index_b"], owner=teacher_b, publish=False, subject=Subject.TOAN,
                          title="Bản nháp riêng của trường Lê Lợi", access_level="school")
    draft.get_workflow().start(draft, teacher_b)
    for page, title in ((published, "Tệp đề kiểm tra Lê Lợi"), (draft, "Tệp bản nháp Lê Lợi")):
        page.file.title = title
        page.file.save(update_fields=["title"])
    MaterialPage.objects.filter(pk=published.pk).update(locked=True, locked_by=teacher_b)
    published.refresh_from_db()
    draft.refresh_from_db()
    return {
        "teacher_b": teacher_b,
        "published": published,
        "draft": draft,
        "files": [published.file, draft.file],
        # Titles of b's pages and files, and the name of b's teacher (users of another library are
        # not named either: filters, reports and histories list people).
        "secrets": [published.title, draft.title, published.file.title, draft.file.title,
                    teacher_b.get_full_name(), "Trịnh Gia"],
    }


@pytest.fixture
def as_user(school):
    """as_user(name) -> a Client signed in as school[name], or anonymous for None."""

    def _client(name):
        client = Client()
        if name is not None:
            client.force_login(school[name])
        return client

    return _client
