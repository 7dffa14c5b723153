"""The access policy (repository.access) and the material page's own check."""

import pytest

from repository.access import user_can_view_material, visible_materials
from repository.choices import AccessLevel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "level, allowed, refused",
    [
        (AccessLevel.PUBLIC, ["anonymous", "student", "student_b", "student_outsider"], []),
        (AccessLevel.GROUP, ["student", "student_b"], ["anonymous", "student_outsider"]),
        (AccessLevel.SCHOOL, ["student", "teacher2"], ["anonymous", "student_b", "student_outsider"]),
    ],
)
def test_access_levels(school, make_material, client, level, allowed, refused):
    page = make_material("pdf/scotus-transcript-p1.pdf", access_level=level, title="Đề kiểm tra giữa kì")
    from django.contrib.auth.models import AnonymousUser

    for name in allowed + refused:
        user = AnonymousUser() if name == "anonymous" else school[name]
        expected = name in allowed
        assert user_can_view_material(user, page) is expected, (level, name)
        assert visible_materials(user).filter(pk=page.pk).exists() is expected, (level, name)
        if name != "anonymous":
            client.force_login(user)
        else:
            client.logout()
        response = client.get(page.url)
        if expected:
            assert response.status_code == 200, (level, name)
        else:
            assert response.status_code == (302 if name == "anonymous" else 404), (level, name)
            assert page.title.encode() not in response.content


def test_draft_visible_to_library_staff_only(school, make_material):
    page = make_material("pdf/scotus-transcript-p1.pdf", publish=False, access_level=AccessLevel.PUBLIC)
    assert not page.live
    assert page.library_id == school["a"].pk
    assert user_can_view_material(school["librarian"], page)
    assert user_can_view_material(school["teacher2"], page)
    for name in ("student", "student_b", "reviewer_b"):
        assert not user_can_view_material(school[name], page), name
    assert not visible_materials(school["student"]).filter(pk=page.pk).exists()
