"""ASCII slugs from Vietnamese titles."""

import pytest

from repository.slugs import unique_child_slug, vietnamese_slug


@pytest.mark.parametrize("title, slug", [
    ("Đại số 7: Phân số", "dai-so-7-phan-so"),
    ("Sách nói: Tôi đi học", "sach-noi-toi-di-hoc"),
    ("CHUYÊN ĐỀ Tin học 10", "chuyen-de-tin-hoc-10"),
    ("Tiếng Việt 2 — ôn tập", "tieng-viet-2-on-tap"),
])
def test_vietnamese_slug_folds_diacritics(title, slug):
    assert vietnamese_slug(title) == slug


def test_nfd_title_gives_the_same_slug():
    import unicodedata

    title = "Đường đi học"
    assert vietnamese_slug(unicodedata.normalize("NFD", title)) == vietnamese_slug(title) == "duong-di-hoc"


@pytest.mark.django_db
def test_unique_child_slug_appends_a_number(school, make_material):
    make_material("pdf/scotus-transcript-p1.pdf", title="Phân số", slug="phan-so")
    assert unique_child_slug(school["index_a"], "Phân số") == "phan-so-2"
    assert unique_child_slug(school["index_b"], "Phân số") == "phan-so"
