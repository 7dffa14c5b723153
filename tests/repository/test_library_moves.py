"""A material moved into another library's subtree moves to that library (repository.moves).

Two school-level materials of library a (THCS Nguyễn Du), a PDF and an audiobook, are moved under
library b's index page (THCS Lê Lợi), through the admin's move confirmation or `page.move()`. Then
every way out is tried as a's student and as b's student: the page, the stream, the thumbnail, the
original, the MARC record and search. Before the move a's student gets everything and b's nothing;
after it, the other way round.
"""

from io import BytesIO

import pymarc
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from haystack import connections
from wagtail.models import Page

from repository.moves import MaterialMoveRefused
from repository.permissions import admin_documents, file_belongs_to_library
from repository.roles import library_collection
from repository.search.query import search_materials

pytestmark = pytest.mark.django_db

PDF = "pdf/scotus-transcript-p1.pdf"
AUDIO = "audio/sach_noi_espeak_vi.mp3"
PDF_TITLE = "Phương trình bậc nhất một ẩn chuyển trường"
AUDIO_TITLE = "Sách nói Dế Mèn phiêu lưu kí chuyển trường"


@pytest.fixture(autouse=True)
def empty_index():
    """Every test starts from an empty search index."""
    connections["default"].get_backend().clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Context manager running the on_commit hooks registered inside it (the index writes)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("hub", password="pw")


@pytest.fixture
def materials(school, make_material, committed):
    """(pdf, audio): two published school-level materials of library a, indexed."""
    with committed():
        pdf = make_material(PDF, title=PDF_TITLE, access_level="school")
        audio = make_material(AUDIO, title=AUDIO_TITLE, access_level="school", material_type="audiobook")
    return pdf, audio


def reload(page):
    return type(page).objects.select_related("library", "file").get(pk=page.pk)


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def exits(client, user, pdf, audio):
    """{exit name: status code} for `user` on every way out of the two materials."""
    client.force_login(user)
    urls = {
        "pdf page": pdf.url,
        "pdf thumbnail": reverse("material_thumbnail", kwargs={"page_id": pdf.pk}),
        "pdf original": pdf.file.url,
        "pdf marc": reverse("material_marc", kwargs={"page_id": pdf.pk, "fmt": "mrc"}),
        "audio page": audio.url,
        "audio stream": reverse("material_stream", kwargs={"page_id": audio.pk}),
        "audio original": audio.file.url,
        "audio marc": reverse("material_marc", kwargs={"page_id": audio.pk, "fmt": "xml"}),
    }
    return {name: client.get(url).status_code for name, url in urls.items()}


def found(client, user, pages):
    """{title: (found on /search/, found in the index)} for `user` searching each page's title."""
    client.force_login(user)
    result = {}
    for page in pages:
        response = client.get(reverse("search"), {"q": page.title})
        assert response.status_code == 200
        on_page = page.pk in {hit["page"].pk for hit in response.context["results"]}
        in_index = page.pk in {int(hit.pk) for hit in search_materials(user, page.title)}
        result[page.title] = (on_page, in_index)
    return result


def marc_record(client, user, page):
    client.force_login(user)
    response = client.get(reverse("material_marc", kwargs={"page_id": page.pk, "fmt": "mrc"}))
    assert response.status_code == 200
    return next(iter(pymarc.MARCReader(BytesIO(response.content), to_unicode=True, force_utf8=True)))


def move_in_admin(client, superuser, page, destination):
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:move_confirm", args=(page.pk, destination.pk))
    assert client.get(url).status_code == 200
    return client.post(url)


def move_in_code(page, destination, superuser):
    Page.objects.get(pk=page.pk).move(destination, pos="last-child", user=superuser)


@pytest.mark.parametrize("how", ["admin", "code"])
def test_a_moved_material_follows_its_new_library_at_every_exit(
    school, materials, client, superuser, committed, how
):
    pdf, audio = materials
    a, b, student_a, student_b = school["a"], school["b"], school["student"], school["student_b"]
    everything = dict.fromkeys(exits(client, student_a, pdf, audio), 200)
    nothing = dict.fromkeys(everything, 404)
    assert exits(client, student_a, pdf, audio) == everything
    assert exits(client, student_b, pdf, audio) == nothing
    assert found(client, student_a, materials) == {PDF_TITLE: (True, True), AUDIO_TITLE: (True, True)}
    assert found(client, student_b, materials) == {PDF_TITLE: (False, False), AUDIO_TITLE: (False, False)}
    old_urls = [pdf.url, audio.url]
    assert marc_record(client, student_a, pdf)["264"]["b"] == "THCS Nguyễn Du,"

    with committed():
        for page in materials:
            if how == "admin":
                response = move_in_admin(client, superuser, page, school["index_b"])
                assert response.status_code == 302
            else:
                move_in_code(page, school["index_b"], superuser)
    pdf, audio = reload(pdf), reload(audio)

    for page in (pdf, audio):
        assert page.get_parent().pk == school["index_b"].pk
        assert page.library == b
        assert page.url.startswith("/thcs-ll/")
        assert page.file.collection == library_collection(b)
        assert file_belongs_to_library(page.file, b.pk)
        assert not file_belongs_to_library(page.file, a.pk)
        # Revisions carry the library too: a draft rebuilt from one must not bring library a back.
        assert page.get_latest_revision_as_object().library_id == b.pk
        page.full_clean()  # the file belongs to the material's library: editing it again is valid

    assert exits(client, student_b, pdf, audio) == everything
    assert exits(client, student_a, pdf, audio) == nothing
    assert found(client, student_b, [pdf, audio]) == {PDF_TITLE: (True, True), AUDIO_TITLE: (True, True)}
    assert found(client, student_a, [pdf, audio]) == {PDF_TITLE: (False, False), AUDIO_TITLE: (False, False)}
    # The old address is redirected to the new one (Wagtail's automatic redirect), which answers as
    # any other: the material for b's student, 404 for a's.
    for old_url, page in zip(old_urls, (pdf, audio), strict=True):
        for user, status in ((student_b, 200), (student_a, 404)):
            client.force_login(user)
            response = client.get(old_url, follow=True)
            assert response.redirect_chain == [(page.url, 301)]
            assert response.status_code == status

    record = marc_record(client, student_b, pdf)
    assert record["264"]["b"] == "THCS Lê Lợi,"
    assert record["506"]["a"] == "Chỉ dành cho bạn đọc của THCS Lê Lợi."
    assert "/thcs-ll/" in record["856"]["u"]
    assert "Lê Lợi" in str(record) and "Nguyễn Du" not in str(record)


def test_a_moved_draft_is_published_in_its_new_library(school, make_material, superuser, committed, client):
    """A draft moved before publication keeps its new library when its (older) revision is published."""
    draft = make_material(PDF, title=PDF_TITLE, access_level="school", publish=False)
    with committed():
        move_in_code(draft, school["index_b"], superuser)
    draft = reload(draft)
    assert draft.library == school["b"]
    with committed():
        draft.get_latest_revision().publish()
    page = reload(draft)
    assert page.live and page.library == school["b"]
    assert found(client, school["student_b"], [page]) == {PDF_TITLE: (True, True)}
    assert found(client, school["student"], [page]) == {PDF_TITLE: (False, False)}


def test_a_move_within_the_library_changes_nothing(school, make_material, superuser):
    page = make_material(PDF, title=PDF_TITLE)
    other = make_material(PDF, title="Bài khác")
    collection = page.file.collection
    Page.objects.get(pk=page.pk).move(Page.objects.get(pk=other.pk), pos="right", user=superuser)
    page = reload(page)
    assert page.library == school["a"] and page.file.collection == collection


def test_moved_file_leaves_the_old_librarys_admin(school, make_material, superuser, committed):
    page = make_material(PDF, title=PDF_TITLE, access_level="school")
    assert page.file in admin_documents(school["librarian"])
    with committed():
        move_in_code(page, school["index_b"], superuser)
    page = reload(page)
    assert page.file not in admin_documents(school["librarian"])
    assert page.file in admin_documents(school["reviewer_b"])
    # The uploader (a's teacher) still knows the file they uploaded, as for any of their uploads.
    assert page.file in admin_documents(school["teacher"])


def test_a_material_sharing_its_file_is_not_moved(school, make_material, superuser, client, committed):
    """Its file cannot follow it (another material holds it), so the move is refused, whole."""
    from repository.models import MaterialPage

    page = make_material(PDF, title=PDF_TITLE, access_level="school")
    sharer = make_material(PDF, title="Học liệu dùng chung tệp")
    MaterialPage.objects.filter(pk=sharer.pk).update(file=page.file)

    with pytest.raises(MaterialMoveRefused) as refused:
        move_in_code(page, school["index_b"], superuser)
    assert "Học liệu dùng chung tệp" in refused.value.messages[0]

    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:move_confirm", args=(page.pk, school["index_b"].pk))
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_pages:move", args=(page.pk,))
    chooser = client.get(reverse("wagtailadmin_pages:move", args=(page.pk,)))
    messages = [str(message) for message in chooser.context["messages"]]
    assert any("Học liệu dùng chung tệp" in m and "THCS Lê Lợi" in m for m in messages)

    page = reload(page)
    assert page.get_parent().pk == school["index_a"].pk
    assert page.library == school["a"] and page.file.collection == library_collection(school["a"])


def test_staff_cannot_move_a_material_into_another_library(school, make_material, client):
    page = make_material(PDF, title=PDF_TITLE, owner=school["teacher"])
    assert not page.permissions_for_user(school["librarian"]).can_move_to(school["index_b"])
    client.force_login(school["librarian"])
    url = reverse("wagtailadmin_pages:move_confirm", args=(page.pk, school["index_b"].pk))
    assert client.post(url).status_code in (403, 404)
    assert reload(page).library == school["a"]


def test_a_material_in_review_is_reviewed_by_its_new_librarys_subject_group(
    school, make_material, superuser, committed
):
    """The review reads the revision under review: its library is rewritten with the move."""
    from repository.review import page_under_review, review_assignment, user_can_review

    draft = make_material(PDF, title=PDF_TITLE, subject="toan", publish=False, owner=school["teacher"])
    draft.get_workflow().start(draft, school["teacher"])
    assert review_assignment(page_under_review(reload(draft))).subject_group == school["toan"]
    with committed():
        move_in_code(draft, school["index_b"], superuser)
    page = reload(draft)
    assert review_assignment(page_under_review(page)).subject_group == school["toan_b"]
    assert user_can_review(school["reviewer_b"], page)
    assert not user_can_review(school["reviewer"], page)


def test_every_version_of_the_file_moves_with_the_material(school, make_material, fixture_path, superuser):
    """The approved file, an older version and a new version waiting for review all go to b."""
    from django.core.files.base import ContentFile

    from repository.models import MaterialFile

    def new_file(title):
        path = fixture_path(PDF)
        material_file = MaterialFile(title=title, uploaded_by_user=school["teacher"],
                                     collection=library_collection(school["a"]))
        material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
        material_file.save()
        return material_file

    page = make_material(PDF, title=PDF_TITLE, access_level="school")
    first = page.file
    approved, waiting = new_file("Bản 2"), new_file("Bản 3")
    page.file = approved
    page.save_revision(user=school["teacher"]).publish()
    page = reload(page)
    page.file = waiting
    page.save_revision(user=school["teacher"])

    move_in_code(page, school["index_b"], superuser)
    for material_file in (first, approved, waiting):
        material_file.refresh_from_db()
        assert material_file.collection == library_collection(school["b"]), material_file.title
    page = reload(page)
    assert page.file == approved
    draft = page.get_latest_revision_as_object()
    assert draft.file == waiting and draft.library_id == school["b"].pk
    draft.full_clean()
    page.get_latest_revision().publish()
    assert reload(page).file == waiting


def test_a_new_version_shared_with_another_material_stops_the_move(school, make_material, superuser):
    page = make_material(PDF, title=PDF_TITLE)
    other = make_material(PDF, title="Học liệu khác của trường")
    page.file = other.file  # a draft of `page` names the other material's file
    page.save_revision(user=school["teacher"])
    with pytest.raises(MaterialMoveRefused):
        move_in_code(page, school["index_b"], superuser)
    assert reload(page).get_parent().pk == school["index_a"].pk


def bulk_move_url(*pages):
    return reverse("wagtail_bulk_action", args=("wagtailcore", "page", "move")) + "?" + "&".join(
        f"id={page.pk}" for page in pages
    )


def test_a_bulk_move_moves_each_material_to_its_new_library(school, make_material, superuser, client,
                                                           committed):
    pages = [make_material(PDF, title=f"{PDF_TITLE} {n}", access_level="school") for n in (1, 2)]
    client.force_login(superuser)
    with committed():
        response = client.post(bulk_move_url(*pages), {"chooser": school["index_b"].pk})
    assert response.status_code == 302
    for page in map(reload, pages):
        assert page.library == school["b"]
        assert page.file.collection == library_collection(school["b"])


def test_a_bulk_move_with_a_shared_file_moves_nothing(school, make_material, superuser, client):
    from repository.models import MaterialPage

    alone = make_material(PDF, title=PDF_TITLE)
    page = make_material(PDF, title="Học liệu có tệp dùng chung")
    sharer = make_material(PDF, title="Học liệu dùng chung tệp")
    MaterialPage.objects.filter(pk=sharer.pk).update(file=page.file)
    client.force_login(superuser)
    response = client.post(bulk_move_url(alone, page), {"chooser": school["index_b"].pk}, follow=True)
    assert response.redirect_chain == [(reverse("wagtailadmin_explore", args=(school["index_a"].pk,)), 302)]
    assert response.status_code == 200
    assert any("Học liệu dùng chung tệp" in str(m) for m in response.context["messages"])
    for moved in (alone, page):
        moved = reload(moved)
        assert moved.get_parent().pk == school["index_a"].pk and moved.library == school["a"]


def copy_form(page, parent, slug, **extra):
    return {"new_title": f"{page.title} (bản sao)", "new_slug": slug, "new_parent_page": parent.pk, **extra}


@pytest.mark.parametrize("alias", [False, True])
def test_a_material_is_not_copied_into_another_library(school, make_material, superuser, client, alias):
    """A copy or alias would keep the original's file, of the original's library."""
    from repository.models import MaterialPage

    page = make_material(PDF, title=PDF_TITLE)
    client.force_login(superuser)
    url = reverse("wagtailadmin_pages:copy", args=(page.pk,))
    extra = {"alias": "on"} if alias else {}
    response = client.post(url, copy_form(page, school["index_b"], "ban-sao", **extra), follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert any("THCS Lê Lợi" in str(m) for m in response.context["messages"])
    assert MaterialPage.objects.count() == 1

    # Within its library, copying works as before.
    response = client.post(url, copy_form(page, school["index_a"], "ban-sao", **extra))
    assert response.status_code == 302
    copy = MaterialPage.objects.get(slug="ban-sao")
    assert copy.library == school["a"] and copy.file == page.file
