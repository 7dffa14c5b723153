"""Every response that depends on who is reading is `Cache-Control: private`."""

import pytest

from .conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", ["school", "group", "public"])
def test_material_pages_and_lists_are_private(level, school, make_material, as_user):
    page = make_material(PDF, access_level=level, title=f"Bài {level}")
    client = as_user("student")
    for url in (page.url, school["index_a"].url, "/", "/search/?q=bai"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "private" in response["Cache-Control"], url
        assert "public" not in response["Cache-Control"], url


def test_a_public_materials_original_may_be_kept_by_shared_caches_but_revalidated(make_material, as_user):
    page = make_material(PDF, access_level="public")
    response = as_user(None).get(page.file.url)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"public", "no-cache"} <= directives and "private" not in directives
