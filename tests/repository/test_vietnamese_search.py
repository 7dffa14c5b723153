"""The Vietnamese analysis of search (repository.search.vietnamese) rule by rule, and ranking on a
small fixed corpus through the search page's code path (repository.search.query.search_materials)."""

import unicodedata

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from repository.search.indexing import rebuild_search_index
from repository.search.query import search_materials
from repository.search.vietnamese import (
    exact_syllable,
    fold_syllable,
    has_diacritics,
    index_terms,
    query_terms,
    syllables,
)

# --- the analysis, rule by rule ----------------------------------------------------------------


@pytest.mark.parametrize("a, b", [("sĩ", "sỹ"), ("lí", "lý"), ("kĩ", "kỹ"), ("quí", "quý"), ("mĩ", "mỹ")])
def test_i_and_y_variants_meet(a, b):
    assert fold_syllable(a) == fold_syllable(b)
    assert exact_syllable(a) == exact_syllable(b)
    assert set(query_terms(f"bác {a}")) == set(query_terms(f"bác {b}"))


@pytest.mark.parametrize("word", ["y", "ý", "tuy", "thủy", "khuya", "Huy"])
def test_y_that_is_not_a_variant_of_i_is_kept(word):
    assert fold_syllable(word).endswith(("y", "ya"))


@pytest.mark.parametrize("old, new", [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("hoá", "hóa"),
                                      ("uỷ", "ủy"), ("toà", "tòa")])
def test_old_and_new_tone_placement_meet(old, new):
    assert exact_syllable(old) == exact_syllable(new)
    assert index_terms(old) == index_terms(new)


@pytest.mark.parametrize("word", ["người", "trường", "giữa", "hoàng", "quả", "gì", "nghiêng", "Đại"])
def test_nfc_and_nfd_give_the_same_terms(word):
    assert index_terms(unicodedata.normalize("NFD", word)) == index_terms(unicodedata.normalize("NFC", word))
    assert syllables(unicodedata.normalize("NFD", f"{word} ơi")) == [unicodedata.normalize("NFC", word), "ơi"]


def test_d_with_stroke_and_eth_fold_to_d():
    assert fold_syllable("Đường") == fold_syllable("đường") == fold_syllable("Ðường") == "duong"
    assert exact_syllable("Ðịa") == exact_syllable("địa") == "địa"
    assert exact_syllable("đi") == "đi"  # đ alone makes an exact form: "đi" is not "di"


def test_tone_marks_distinguish_exact_forms():
    assert exact_syllable("nói") != exact_syllable("nội") != exact_syllable("nôi")
    assert exact_syllable("sach") is None  # no mark: the folded form says all
    assert fold_syllable("nói") == fold_syllable("nội") == "noi"


def test_index_terms_have_folded_exact_and_bigrams():
    assert index_terms("Sách nói") == "sach sách noi nói sach_noi"
    assert index_terms("kế hoạch bài dạy").split() == [
        "ke", "kế", "hoach", "hoạch", "ke_hoach", "bai", "bài", "hoach_bai", "day", "dạy", "bai_day",
    ]


def test_query_terms_without_diacritics_are_the_folded_ones():
    assert query_terms("sach noi") == ["sach", "noi", "sach_noi"]
    assert query_terms("sách nói") == ["sach", "noi", "sach_noi", "sách", "nói"]
    assert not has_diacritics("sach noi") and has_diacritics("sách nói") and has_diacritics("di đi")
    assert query_terms("  ... !!! ") == []
    assert query_terms("học sinh học") == ["hoc", "sinh", "hoc_sinh", "sinh_hoc", "học"]


# --- ranking on a small fixed corpus ------------------------------------------------------------


CORPUS = {
    "audiobook": dict(title="Sách nói Dế Mèn phiêu lưu kí", material_type="audiobook",
                      summary="Sách nói cho học sinh lớp 4, đọc bởi giáo viên."),
    "noi_dung": dict(title="Nội dung ôn tập sách giáo khoa", material_type="audiobook",
                     summary="Những nội dung chính của sách."),
    "lesson_plan": dict(title="Kế hoạch bài dạy: phân số", material_type="lesson_plan",
                        lesson="Bài 5. Phân số", summary="Kế hoạch bài dạy toán lớp 6."),
    "scattered": dict(title="Bài tập cuối tuần", material_type="lesson_plan",
                      summary="Kế toán lớp; hoạch định bài; dạy thêm."),
    "ky_su": dict(title="Kĩ sư nhí", material_type="digitised", summary="Truyện về một kĩ sư trẻ."),
    "hoa_hoc": dict(title="Hoá học hữu cơ", material_type="digitised", summary="Hoá học lớp 11."),
    "summary_only": dict(title="Tài liệu tham khảo", material_type="digitised",
                         summary="Có nhắc tới phân số một lần."),
}


@pytest.fixture
def corpus(school, make_material):
    pages = {key: make_material("office/test.docx", **fields) for key, fields in CORPUS.items()}
    rebuild_search_index()
    return pages


def ranked(query):
    return [int(hit.pk) for hit in search_materials(AnonymousUser(), query)]


def test_more_words_side_by_side_rank_first(corpus):
    assert ranked("kế hoạch bài dạy")[0] == corpus["lesson_plan"].pk
    assert ranked("ke hoach bai day")[0] == corpus["lesson_plan"].pk
    order = ranked("ke hoach bai day")
    assert order.index(corpus["lesson_plan"].pk) < order.index(corpus["scattered"].pk)


def test_no_word_is_required(corpus):
    # "vũ trụ" is nowhere; the material about fractions is still found by its other words.
    assert ranked("phân số vũ trụ")[0] == corpus["lesson_plan"].pk


def test_exact_form_typed_is_preferred(corpus):
    order = ranked("sách nói")
    assert order[0] == corpus["audiobook"].pk
    assert order.index(corpus["audiobook"].pk) < order.index(corpus["noi_dung"].pk)


def test_without_diacritics_ranks_as_well(corpus):
    assert ranked("sach noi")[0] == corpus["audiobook"].pk
    assert ranked("hoa hoc huu co")[0] == corpus["hoa_hoc"].pk


def test_spelling_variants_find_each_other(corpus):
    assert ranked("kỹ sư")[0] == corpus["ky_su"].pk
    assert ranked("ky su")[0] == corpus["ky_su"].pk
    assert ranked("hóa học")[0] == corpus["hoa_hoc"].pk  # new tone placement finds the old one


def test_rebuild_search_index_command_refills_the_index(corpus):
    from haystack import connections

    connections["default"].get_backend().clear()
    assert ranked("sach noi") == []
    call_command("rebuild_search_index", verbosity=0)
    assert ranked("sach noi")[0] == corpus["audiobook"].pk


def test_title_weighs_more_than_summary(corpus):
    order = ranked("phân số")
    assert order.index(corpus["lesson_plan"].pk) < order.index(corpus["summary_only"].pk)


def test_rebuild_swaps_in_a_whole_index_readers_never_see_it_half_built(corpus):
    """While a rebuild writes, readers get the old index whole; at its commit, the new one."""
    from haystack import connections

    from repository.models import MaterialPage
    from repository.search_indexes import MaterialPageIndex

    backend = connections["default"].get_backend()
    index = MaterialPageIndex()
    seen_during = []

    def pages():
        for number, page in enumerate(MaterialPage.objects.live().order_by("pk")):
            if number == 3:  # half way: ask as a reader would
                seen_during.append(set(ranked("sach noi")) | set(ranked("ky su")))
            if page.pk != corpus["ky_su"].pk:  # the new index leaves one material out
                yield page

    written = backend.rebuild(index, pages())
    assert written == len(CORPUS) - 1
    assert {corpus["audiobook"].pk, corpus["ky_su"].pk} <= seen_during[0]
    assert corpus["ky_su"].pk not in ranked("ky su")
    assert ranked("sach noi")[0] == corpus["audiobook"].pk


def test_a_failed_rebuild_leaves_the_old_index(corpus):
    from haystack import connections

    from repository.models import MaterialPage
    from repository.search_indexes import MaterialPageIndex

    def broken():
        yield MaterialPage.objects.live().first()
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        connections["default"].get_backend().rebuild(MaterialPageIndex(), broken())
    assert ranked("ky su")[0] == corpus["ky_su"].pk
    assert len(ranked("sach noi hoa hoc ky su phan so ke hoach")) == len(CORPUS)


# --- “Có phải bạn muốn tìm …” -----------------------------------------------------------------


def test_suggestion_restores_diacritics_from_the_index(corpus):
    from repository.search.suggest import suggest

    anonymous = AnonymousUser()
    assert suggest(anonymous, "sach noi") == "sách nói"  # not "sách nội": those are not side by side
    assert suggest(anonymous, "hoa hoc huu co") == "hoá học hữu cơ"
    assert suggest(anonymous, "sách nói") == ""  # already as the index has it


def test_suggestion_corrects_a_typo_one_edit_away(corpus):
    from repository.search.suggest import suggest

    assert suggest(AnonymousUser(), "phn so") == "phân số"


def test_suggestion_shows_on_the_search_page(corpus, client):
    from django.urls import reverse

    response = client.get(reverse("search"), {"q": "sach noi"})
    assert response.context["suggestion"] == "sách nói"
    assert 'data-suggestion>sách nói</a>' in response.content.decode()


def test_suggestion_vocabulary_is_read_again_at_most_every_max_age(corpus, make_material, settings,
                                                                   monkeypatch):
    """After an index write the vocabulary is read from the index again only once the copy in hand
    is HOCLIEU_SEARCH_VOCABULARY_MAX_AGE seconds old; the search itself sees the write at once."""
    from repository.search import suggest as suggestions

    clock = [1000.0]
    monkeypatch.setattr(suggestions.time, "monotonic", lambda: clock[0])
    settings.HOCLIEU_SEARCH_VOCABULARY_MAX_AGE = 300
    # A copy of the vocabulary of its own: one read at the fake clock's times must not outlive the
    # test (on a machine up for less than those 1,301 s it would look fresh to the next test).
    monkeypatch.setattr(suggestions, "_cache", {})
    assert "quang" not in suggestions.vocabulary()
    page = make_material("office/test.docx", title="Quang hợp ở thực vật")
    rebuild_search_index()
    assert ranked("quang hop")[0] == page.pk
    clock[0] += 299
    assert "quang" not in suggestions.vocabulary()  # the copy in hand, read 299 s ago
    clock[0] += 2
    assert suggestions.vocabulary()["quang"] == [("quang", 1)]
    assert ("hợp", 1) in suggestions.vocabulary()["hop"]
    assert not any("_" in folded for folded in suggestions.vocabulary())  # no bigrams


def test_suggestion_never_tells_a_word_of_a_material_the_reader_may_not_see(school, make_material):
    from repository.choices import AccessLevel
    from repository.search.suggest import suggest

    make_material("office/test.docx", title="Đề thi tuyệt mật khoá học", access_level=AccessLevel.SCHOOL)
    make_material("office/test.docx", title="Ôn tập cuối kì", access_level=AccessLevel.PUBLIC)
    rebuild_search_index()
    assert suggest(AnonymousUser(), "tuyet mat") == ""
    assert suggest(school["student_outsider"], "tuyet mat") == ""
    assert suggest(school["student"], "tuyet mat") == "tuyệt mật"
