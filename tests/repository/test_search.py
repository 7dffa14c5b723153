"""Search (repository.search, repository.search_indexes, /search/): folding, facets, index upkeep, access."""

import threading
import unicodedata

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from haystack import connections

from repository.choices import AccessLevel
from repository.models import DerivativeKind, MaterialPage, ProcessingStatus
from repository.search.backend import IndexLockedError
from repository.search.indexing import rebuild_search_index, update_search_index
from repository.search.query import search_materials
from repository.search.text import fold_vietnamese, highlight_snippet
from tests.helpers import set_derivative

pytestmark = pytest.mark.django_db

FILE = "office/test.docx"


@pytest.fixture(autouse=True)
def empty_index():
    """Every test starts from an empty search index."""
    connections["default"].get_backend().clear()


@pytest.fixture
def material(make_material, django_capture_on_commit_callbacks):
    """make_material with the commit hooks run, as after a real request: the index is up to date."""

    def _make(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_material(fields.pop("fixture", FILE), **fields)

    return _make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Context manager running the on_commit hooks registered inside it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def found(user, query="", **filters):
    """Primary keys (set of int) of the materials `user` finds for `query` and `filters`."""
    return {int(hit.pk) for hit in search_materials(user, query, filters)}


def page_of(client, user=None, **params):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response


def result_pks(response):
    return [result["page"].pk for result in response.context["results"]]


def facet_counts(response, key):
    group = next(group for group in response.context["facets"] if group["key"] == key)
    return {option["value"]: option["count"] for option in group["options"]}


# --- folding -------------------------------------------------------------------------------


def test_fold_vietnamese():
    assert fold_vietnamese("Sách nói") == "sach noi"
    assert fold_vietnamese("ĐẠI SỐ và đường tròn") == "dai so va duong tron"
    assert fold_vietnamese(unicodedata.normalize("NFD", "Tiếng Việt lớp 6")) == "tieng viet lop 6"
    assert fold_vietnamese("Ðịa lí") == "dia li"  # eth left by TCVN3/VNI font conversions
    assert fold_vietnamese("plain ASCII") == "plain ascii"


@pytest.mark.parametrize("query", ["sach noi", "sách nói", "SÁCH NÓI", "Sach Noi"])
def test_spellings_find_the_same_material(school, material, query):
    audiobook = material(title="Sách nói Dế Mèn phiêu lưu kí", material_type="audiobook")
    other = material(title="Giáo án Hình học", summary="Tam giác đồng dạng")
    hits = found(AnonymousUser(), query)
    assert audiobook.pk in hits
    assert other.pk not in hits


def test_stroked_d_folds_to_d(school, material):
    page = material(title="Đại số 7: phương trình bậc nhất")
    for query in ("dai so", "Đại số", "ĐẠI SỐ", "đai so"):
        assert found(AnonymousUser(), query) == {page.pk}, query


def test_nfd_and_nfc_index_and_query_alike(school, material):
    nfd_page = material(title=unicodedata.normalize("NFD", "Lịch sử Việt Nam thời Lý"))
    nfc_page = material(title=unicodedata.normalize("NFC", "Hoá học hữu cơ"))
    assert found(AnonymousUser(), unicodedata.normalize("NFC", "lịch sử thời Lý")) == {nfd_page.pk}
    assert found(AnonymousUser(), unicodedata.normalize("NFD", "hoá học hữu cơ")) == {nfc_page.pk}


def test_keywords_creators_and_labels_are_searchable(school, material, committed):
    page = material(title="Bài 3", creators="Trần Văn Bình", subject="dia-ly", grade=8, publish=False)
    page.keywords.add("bản đồ", "khí hậu")
    with committed():
        page.save_revision(user=school["teacher"]).publish()
    anonymous = AnonymousUser()
    for query in ("tran van binh", "khi hau", "địa lí", "lop 8"):
        assert page.pk in found(anonymous, query), query


def test_snippet_highlights_folded_matches_and_escapes_html():
    snippet = highlight_snippet(["", "Đây là <b>sách nói</b> cho lớp 6"], "SACH")
    assert "<mark>sách</mark>" in snippet
    assert "<b>" not in snippet and "&lt;b&gt;" in snippet
    assert highlight_snippet(["không khớp"], "sach") == ""


# --- index upkeep --------------------------------------------------------------------------


def test_draft_is_never_indexed(school, material):
    draft = material(title="Giáo án bản nháp phân số", publish=False)
    superuser = type(school["librarian"]).objects.create_superuser("admin", password="pw")
    assert draft.pk not in found(superuser, "phan so")
    # Even asked directly, the index keeps drafts out.
    index = connections["default"].get_unified_index().get_index(MaterialPage)
    index.update_object(draft)
    assert draft.pk not in found(superuser, "phan so")
    assert draft.pk not in found(superuser)


def test_update_index_command_indexes_live_materials_only(school, make_material):
    # Made without running the commit hooks: nothing reached the index yet.
    live = make_material(FILE, title="Năng lượng tái tạo")
    draft = make_material(FILE, title="Năng lượng hạt nhân", publish=False)
    assert found(AnonymousUser(), "nang luong") == set()
    update_search_index()
    assert found(AnonymousUser(), "nang luong") == {live.pk}
    assert draft.pk not in found(AnonymousUser())
    # --remove drops a page unpublished while nobody was listening (no commit hooks ran).
    MaterialPage.objects.filter(pk=live.pk).update(live=False)
    update_search_index()
    assert found(AnonymousUser(), "nang luong") == set()
    MaterialPage.objects.filter(pk=live.pk).update(live=True)
    rebuild_search_index()
    assert found(AnonymousUser(), "nang luong") == {live.pk}


@pytest.mark.parametrize(
    "query", ['"', "-", "*", "*:*", "AND OR NOT", "(sách", "access_level:school", "'", "\\", "a" * 200],
)
def test_odd_queries_neither_fail_nor_open_the_index(school, material, client, query):
    hidden = material(title="Nội bộ", access_level=AccessLevel.SCHOOL)
    response = page_of(client, q=query)
    assert hidden.pk not in result_pks(response)
    assert hidden.pk not in found(AnonymousUser(), query)


def test_empty_index_renders_the_page(school, client):
    response = page_of(client, q="bat ky")
    assert response.context["results"] == [] and response.context["total"] == 0
    response = page_of(client)
    assert "Chưa có học liệu." in response.content.decode()


def test_publishing_indexes_and_unpublishing_removes(school, material, committed):
    page = material(title="Phân số và số thập phân", publish=False)
    assert found(AnonymousUser(), "phan so") == set()
    with committed():
        page.get_latest_revision().publish()
    assert found(AnonymousUser(), "phan so") == {page.pk}
    page.refresh_from_db()
    with committed():
        page.unpublish()
    assert found(AnonymousUser(), "phan so") == set()


def test_republishing_an_edit_replaces_the_document(school, material, committed):
    page = material(title="Đồng dư thức")
    page.title = "Ước chung lớn nhất"
    with committed():
        page.save_revision(user=school["teacher"]).publish()
    assert found(AnonymousUser(), "uoc chung") == {page.pk}
    assert found(AnonymousUser(), "dong du thuc") == set()


def test_deleting_removes(school, material, committed):
    page = material(title="Hình bình hành")
    pk = page.pk
    with committed():
        page.delete()
    assert pk not in found(AnonymousUser(), "hinh binh hanh")
    assert connections["default"].get_backend().document_count() == 0


def test_extracted_text_searchable_once_processing_is_done(school, material, committed):
    page = material(title="Quang hợp")
    material_file = page.file
    assert found(AnonymousUser(), "diep luc cay xanh") == set()
    set_derivative(material_file, DerivativeKind.TEXT,
                   metadata={"full_text": "Diệp lục giúp cây xanh hấp thụ ánh sáng mặt trời."})
    material_file.processing_status = ProcessingStatus.DONE
    with committed():
        material_file.save()
    assert found(AnonymousUser(), "diep luc cay xanh") == {page.pk}


def test_text_extracted_by_the_pipeline_is_searchable(school, material):
    page = material(title="Hướng dẫn", fixture="pdf/maint-guide.vi.pdf")
    page.file.refresh_from_db()
    assert page.file.processing_status == ProcessingStatus.DONE, page.file.processing_error
    words = [w for w in page.file.full_text.split() if w.isalpha() and not w.isascii()][:3]
    assert words, "the Vietnamese guide has Vietnamese words"
    assert page.pk in found(AnonymousUser(), fold_vietnamese(" ".join(words)))


def test_library_leaving_network_is_reindexed(school, material, committed):
    page = material(title="Tin học văn phòng", access_level=AccessLevel.GROUP)
    assert page.pk in found(school["student_b"], "tin hoc")
    library = school["a"]
    library.network = None
    with committed():
        library.save()
    assert page.pk not in found(school["student_b"], "tin hoc")
    assert page.pk in found(school["student"], "tin hoc")


def test_writer_waits_for_lock_and_reports_a_stuck_one(school, material):
    page = material(title="Khoá ghi")
    backend = connections["default"].get_backend()
    held = backend.writer()  # another process's writer, as far as the lock goes
    release = threading.Timer(0.3, held.cancel)
    try:
        backend.lock_timeout = 0.2
        with pytest.raises(IndexLockedError):
            backend.remove(page)
        assert page.pk in found(AnonymousUser(), "khoa ghi")
        backend.lock_timeout = 30
        release.start()
        backend.remove(page)  # waits until the other writer lets go, then removes
        release.join()
    finally:
        release.cancel()  # no-op once it has run
        if not held.is_closed:
            held.cancel()
    assert found(AnonymousUser(), "khoa ghi") == set()


def test_index_task_that_finds_the_lock_taken_is_queued_again(school, material, settings, monkeypatch):
    """A rebuild holds the write lock throughout: an index task that waits out LOCK_TIMEOUT queues
    itself again, later, for the pages not yet handled, and that retry indexes them."""
    from django_tasks import default_task_backend

    from repository.search import tasks

    first = material(title="Khoá ghi một", publish=False)
    second = material(title="Khoá ghi hai", publish=False)
    for page in (first, second):
        page.save_revision().publish()  # hooks not run: nothing indexed yet
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = connections["default"].get_backend()
    monkeypatch.setattr(backend, "lock_timeout", 0.1)
    held = backend.writer()  # the rebuild's writer
    try:
        assert tasks.reindex_materials_task.call([first.pk, second.pk], attempt=2) == 0
    finally:
        held.cancel()
    (retry,) = default_task_backend.results
    assert retry.task.name == "reindex_materials_task"
    assert retry.args == [[first.pk, second.pk]] and retry.kwargs == {"attempt": 3}
    delay = (retry.task.run_after - retry.enqueued_at).total_seconds()
    assert abs(delay - min(tasks.RETRY_DELAY * 4, tasks.RETRY_MAX_DELAY)) < 5
    assert found(AnonymousUser(), "khoa ghi") == set()
    assert retry.task.call(*retry.args, **retry.kwargs) == 2  # what the worker does, later
    assert found(AnonymousUser(), "khoa ghi") == {first.pk, second.pk}
    # Retries spent: logged, not queued again.
    held = backend.writer()
    try:
        identifier = f"repository.materialpage.{first.pk}"
        tasks.remove_documents_task.call([identifier], attempt=tasks.RETRY_ATTEMPTS)
    finally:
        held.cancel()
    assert len(default_task_backend.results) == 1
    assert found(AnonymousUser(), "khoa ghi") == {first.pk, second.pk}


def test_search_page_searches_the_index_once(school, material, client, monkeypatch):
    """The page's hits, the hit count and the facet counts come from one search of the index."""
    for number in range(3):
        material(title=f"Phân số bài {number}")
    backend = connections["default"].get_backend()
    calls = []
    original = type(backend).search
    monkeypatch.setattr(type(backend), "search",
                        lambda self, *args, **kwargs: calls.append(args) or original(self, *args, **kwargs))
    response = page_of(client, q="phân số")
    assert response.context["total"] == 3 and len(calls) == 1
    assert sum(facet_counts(response, "type").values()) == 3


def test_kept_searcher_follows_a_cleared_index(school, material):
    """The searcher kept between queries is opened again when the index changes, also when it was
    cleared and filled again (generation numbers start again)."""
    page = material(title="Tài liệu cũ")
    assert found(AnonymousUser(), "tai lieu") == {page.pk}
    connections["default"].get_backend().clear()
    assert found(AnonymousUser(), "tai lieu") == set()
    other = material(title="Tài liệu mới")
    assert found(AnonymousUser(), "tai lieu") == {other.pk}


# --- facets --------------------------------------------------------------------------------


def test_facets_count_and_narrow(school, material, client):
    plan_toan_6 = material(title="Giáo án phân số", material_type="lesson_plan", subject="toan", grade=6)
    slides_toan_7 = material(title="Bài giảng số hữu tỉ", material_type="slides", subject="toan", grade=7)
    plan_van_6 = material(
        title="Giáo án truyện cổ tích", material_type="lesson_plan", subject="ngu-van", grade=6
    )

    response = page_of(client)
    assert set(result_pks(response)) == {plan_toan_6.pk, slides_toan_7.pk, plan_van_6.pk}
    assert facet_counts(response, "type") == {"lesson_plan": 2, "slides": 1}
    assert facet_counts(response, "subject") == {"toan": 2, "ngu-van": 1}
    assert facet_counts(response, "grade") == {"6": 2, "7": 1}

    response = page_of(client, type="lesson_plan")
    assert set(result_pks(response)) == {plan_toan_6.pk, plan_van_6.pk}
    assert facet_counts(response, "subject") == {"toan": 1, "ngu-van": 1}
    assert facet_counts(response, "type") == {"lesson_plan": 2}

    response = page_of(client, q="giao an", type="lesson_plan", subject="toan")
    assert result_pks(response) == [plan_toan_6.pk]
    assert facet_counts(response, "grade") == {"6": 1}

    # A selected option links to the page without it; an unselected one adds it.
    type_group = next(g for g in response.context["facets"] if g["key"] == "type")
    selected = next(o for o in type_group["options"] if o["selected"])
    assert "type=" not in selected["url"] and "subject=toan" in selected["url"]
    grade_group = next(g for g in response.context["facets"] if g["key"] == "grade")
    assert "grade=6" in grade_group["options"][0]["url"]


def test_invalid_facet_is_reported_and_ignored(school, material, client):
    page = material(title="Hàm số bậc hai")
    response = page_of(client, q="ham so", type="not-a-type", grade="13")
    assert result_pks(response) == [page.pk]
    assert sorted(response.context["invalid_parameters"]) == ["Khối lớp", "Loại học liệu"]
    assert all("not-a-type" not in option["url"] for group in response.context["facets"]
               for option in group["options"])
    with pytest.raises(ValueError):
        search_materials(AnonymousUser(), "", {"type": "not-a-type"})


def test_empty_query_lists_latest_visible(school, material, client):
    older = material(title="Cũ hơn")
    newer = material(title="Mới hơn")
    hidden = material(title="Nội bộ trường", access_level=AccessLevel.SCHOOL)
    response = page_of(client)
    assert result_pks(response) == [newer.pk, older.pk]
    assert hidden.pk not in result_pks(response)


def test_pagination_keeps_query_and_facets(school, material, client, monkeypatch):
    monkeypatch.setattr("repository.views.search.RESULTS_PER_PAGE", 2)
    pages = [material(title=f"Ôn tập chương {n}") for n in range(3)]
    first = page_of(client, q="on tap", type="lesson_plan")
    second = page_of(client, q="on tap", type="lesson_plan", page=2)
    assert first.context["total"] == 3
    assert set(result_pks(first)) | set(result_pks(second)) == {p.pk for p in pages}
    assert b"page=2" in first.content and b"q=on+tap" in first.content


def test_result_page_shows_metadata_and_snippet(school, material, client):
    material(
        title="Cộng trừ phân số", subject="toan", grade=6,
        summary="<script>alert(1)</script> Luyện tập cộng phân số khác mẫu.",
    )
    response = page_of(client, q="phan so")
    html = response.content.decode()
    assert "Cộng trừ phân số" in html
    assert "Toán" in html and "Lớp 6" in html and school["a"].name in html
    assert "<mark>phân</mark>" in html
    assert "<script>alert(1)</script>" not in html


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, allowed, refused",
    [
        (AccessLevel.SCHOOL, ["student", "teacher2"], ["anonymous", "student_b", "student_outsider"]),
        (AccessLevel.GROUP, ["student", "student_b"], ["anonymous", "student_outsider"]),
        (AccessLevel.PUBLIC, ["anonymous", "student_b", "student_outsider"], []),
    ],
)
def test_results_respect_access_levels(school, material, client, level, allowed, refused):
    page = material(title="Đề kiểm tra giữa kì", access_level=level)
    for name in allowed + refused:
        user = None if name == "anonymous" else school[name]
        expected = name in allowed
        assert (page.pk in found(user or AnonymousUser(), "de kiem tra")) is expected, name
        for params in ({"q": "đề kiểm tra"}, {}):
            response = page_of(client, user, **params)
            assert (page.pk in result_pks(response)) is expected, (name, params)
            assert (page.title in response.content.decode()) is expected, (name, params)


def test_other_library_school_material_not_found_by_its_neighbours(school, material):
    page_b = material(
        title="Giáo án trường Lê Lợi", parent=school["index_b"], access_level=AccessLevel.SCHOOL,
        owner=school["reviewer_b"],
    )
    assert page_b.pk in found(school["student_b"], "le loi")
    assert page_b.pk not in found(school["student"], "le loi")
    assert page_b.pk not in found(school["librarian"], "le loi")


def test_facet_counts_do_not_leak_hidden_materials(school, material, client):
    material(title="Hoá học hữu cơ", subject="hoa-hoc", grade=11, access_level=AccessLevel.SCHOOL)
    material(title="Hoá học vô cơ", subject="hoa-hoc", grade=11, access_level=AccessLevel.GROUP)
    material(title="Hoá học đại cương", subject="hoa-hoc", grade=10, access_level=AccessLevel.PUBLIC)

    cases = {
        "student_outsider": ({"hoa-hoc": 1}, {"10": 1}),
        "student_b": ({"hoa-hoc": 2}, {"10": 1, "11": 1}),
        "student": ({"hoa-hoc": 3}, {"10": 1, "11": 2}),
    }
    for name, (subjects, grades) in cases.items():
        for params in ({"q": "hoa hoc"}, {}):
            response = page_of(client, school[name], **params)
            assert facet_counts(response, "subject") == subjects, (name, params)
            assert facet_counts(response, "grade") == grades, (name, params)
            assert response.context["total"] == subjects["hoa-hoc"], (name, params)
    response = page_of(client, None, q="hoa hoc", grade="11")
    assert response.context["total"] == 0
    assert facet_counts(response, "subject") == {}


def test_filters_that_exclude_each_other_find_nothing(school, material):
    # An empty filter must find nothing (Whoosh once read it as "no filter" and let every document through).
    material(title="Sinh học tế bào", subject="sinh-hoc", grade=10, access_level=AccessLevel.SCHOOL)
    material(title="Sinh học di truyền", subject="sinh-hoc", grade=12, access_level=AccessLevel.PUBLIC)
    assert found(AnonymousUser(), "sinh hoc", grade="10") == set()
    assert found(AnonymousUser(), "", grade="10") == set()
    assert found(school["student_outsider"], "", subject="sinh-hoc", grade="10") == set()
    assert len(found(school["student"], "", grade="10")) == 1


def test_stale_index_entry_is_dropped_by_the_access_check(school, material, client):
    page = material(title="Tài liệu ôn thi", access_level=AccessLevel.PUBLIC)
    # The database changes behind the index's back (no signal): the page is now school-only.
    MaterialPage.objects.filter(pk=page.pk).update(access_level=AccessLevel.SCHOOL)
    response = page_of(client, school["student_b"], q="on thi")
    assert page.pk not in result_pks(response)
    assert "Tài liệu ôn thi" not in response.content.decode()
    assert page.pk in result_pks(page_of(client, school["student"], q="on thi"))


def test_series_year_and_library_facets_count_only_what_the_reader_sees(school, material, client):
    a_public = material(title="Phân số lớp 6", textbook_series="kntt", school_year="2025-2026")
    material(title="Phân số nâng cao", textbook_series="ctst", school_year="2024-2025",
             access_level=AccessLevel.SCHOOL)
    b_public = material(title="Phân số bài tập", parent=school["index_b"], textbook_series="kntt",
                        school_year="2025-2026")
    material(title="Phân số nội bộ", parent=school["index_b"], textbook_series="canh-dieu",
             school_year="2023-2024", access_level=AccessLevel.SCHOOL)
    a, b = str(school["a"].pk), str(school["b"].pk)

    anonymous = page_of(client, q="phan so")
    assert facet_counts(anonymous, "series") == {"kntt": 2}
    assert facet_counts(anonymous, "year") == {"2025-2026": 2}
    assert facet_counts(anonymous, "library") == {a: 1, b: 1}
    library_labels = {o["value"]: o["label"] for g in anonymous.context["facets"] if g["key"] == "library"
                      for o in g["options"]}
    assert library_labels == {a: school["a"].name, b: school["b"].name}

    member = page_of(client, school["student"], q="phan so")  # library a's student
    assert facet_counts(member, "series") == {"kntt": 2, "ctst": 1}
    assert facet_counts(member, "year") == {"2025-2026": 2, "2024-2025": 1}
    assert facet_counts(member, "library") == {a: 2, b: 1}

    narrowed = page_of(client, q="phan so", library=b)
    assert result_pks(narrowed) == [b_public.pk]
    narrowed = page_of(client, q="phan so", year="2025-2026", series="kntt")
    assert set(result_pks(narrowed)) == {a_public.pk, b_public.pk}
    # A year only a hidden material has counts nothing for the anonymous reader.
    assert page_of(client, q="phan so", year="2023-2024").context["total"] == 0


def test_sort_by_relevance_or_newest(school, material, client):
    older = material(title="Sách nói lớp 1 sách nói")
    newer = material(title="Truyện đọc thêm", summary="Có một đoạn sách nói.")
    assert result_pks(page_of(client, q="sách nói"))[0] == older.pk
    response = page_of(client, q="sách nói", sort="new")
    assert result_pks(response) == [newer.pk, older.pk]
    options = {o["label"]: o for o in response.context["sort_options"]}
    assert options["Mới nhất"]["selected"] and "sort=" not in options["Phù hợp nhất"]["url"]
    assert '<input type="hidden" name="sort" value="new">' in response.content.decode()


def test_publishing_queues_the_index_write_for_the_worker(school, material, committed, settings):
    """No web request writes the index: publishing queues repository.search.tasks work, which the
    task worker runs (here: a backend that keeps tasks instead of running them)."""
    from django_tasks import default_task_backend

    page = material(title="Định lí Pi-ta-go", publish=False)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with committed():
        page.get_latest_revision().publish()
    queued = [result for result in default_task_backend.results
              if result.task.name == "reindex_materials_task"]
    assert [result.args for result in queued] == [[[page.pk]]]
    assert found(AnonymousUser(), "pi ta go") == set()  # not yet: the worker has not run
    queued[0].task.call(*queued[0].args)  # what the worker does
    assert found(AnonymousUser(), "pi ta go") == {page.pk}


def test_snippet_names_the_pdf_page_it_comes_from(school, material, client):
    page = material(title="Hướng dẫn bảo trì", fixture="pdf/maint-guide.vi.pdf", summary="")
    texts = page.file.page_texts
    # A word first found on a page after the first: the snippet names that page.
    number, word = next((n, w) for n, text in enumerate(texts, start=1) if n > 1
                        for w in text.split() if len(w) > 6 and w.isalpha()
                        and not any(w in earlier for earlier in texts[:n - 1]))
    response = page_of(client, q=word)
    result = next(r for r in response.context["results"] if r["page"].pk == page.pk)
    assert result["page_number"] == number
    assert f"Trang {number}:" in response.content.decode()


# --- the Xapian backend ----------------------------------------------------------------------


def test_backend_takes_expressions_not_query_strings(school, material):
    """Queries reach Xapian as repository.search.expressions; a query string (another engine's
    syntax) is refused, never parsed into something else."""
    from haystack.exceptions import SearchBackendError
    from haystack.query import SearchQuerySet

    from repository.search.expressions import Term

    page = material(title="Phân số")
    backend = connections["default"].get_backend()
    with pytest.raises(SearchBackendError):
        backend.search("title_terms:phan")
    with pytest.raises(SearchBackendError):
        list(SearchQuerySet().filter(title="phân số"))
    hits = backend.search(Term("title_terms", "phan"))
    assert [int(hit.pk) for hit in hits["results"]] == [page.pk] and hits["hits"] == 1


def test_an_overlong_word_is_left_out_and_the_rest_indexed(school, material):
    """Xapian refuses terms over 245 bytes; a garbage "word" of extracted text must not keep the
    material out of the index."""
    page = material(title="Tài liệu", summary="Tài liệu " + "x" * 400)
    assert found(AnonymousUser(), "tai lieu") == {page.pk}
    assert found(AnonymousUser(), "x" * 400) == set()


def test_newest_first_and_facets_count_materials_without_a_value(school, material, client):
    older = material(title="Đọc hiểu văn bản", grade=None)
    newer = material(title="Đọc hiểu thơ", grade=7)
    sqs = search_materials(AnonymousUser(), "doc hieu", sort="new")
    assert [int(hit.pk) for hit in sqs] == [newer.pk, older.pk]
    grades = dict(sqs.facet_counts()["fields"]["grade"])
    assert grades == {"7": 1, None: 1}


def test_search_before_any_index_exists(school, tmp_path, monkeypatch, client):
    """A new installation has no index folder until the first write: searching, the suggestion and
    the search page answer "nothing found" instead of failing."""
    from repository.search import suggest as suggestions
    from repository.search.backend import XapianSearchBackend
    from repository.search.expressions import Term

    backend = XapianSearchBackend("default", PATH=str(tmp_path / "not-yet"))
    assert backend.search(Term("title_terms", "sach")) == {"results": [], "hits": 0}
    assert backend.document_count() == 0 and backend.field_vocabulary("title_terms") == []
    monkeypatch.setattr(connections["default"], "get_backend", lambda: backend)
    monkeypatch.setattr(suggestions, "_cache", {})
    assert suggestions.suggest(AnonymousUser(), "sach noi") == ""
    response = page_of(client, q="sach noi")
    assert response.context["total"] == 0
