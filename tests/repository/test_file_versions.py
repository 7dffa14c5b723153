"""Approved originals are immutable (issue 6, item 1; the rule: repository.versions).

A published material of library a (owned by its teacher, gv_toan) serves an approved PDF. Every way
to put other bytes under it is tried, as its teacher, a colleague of the same library (gv_van) and
the librarian: Wagtail's document edit view, the chooser's upload, the multiple uploader, direct
POSTs with forged fields, a save in code, and the material's own form. Each allowed path ends in a
new file version on a new draft revision under review while the live page keeps serving the
approved bytes; each refused one changes nothing. Approvals record the SHA-256 they approved, and
the versions screen lists the versions for the material's editors and reviewers only.
"""

import hashlib
import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from repository.models import MaterialFile, MaterialPage
from repository.roles import library_collection
from repository.versions import (
    APPROVE_FILE_ACTION,
    approval_entries,
    file_is_approved,
    file_versions,
    user_can_see_versions,
)

pytestmark = pytest.mark.django_db

APPROVED = "pdf/scotus-transcript-p1.pdf"
NEW = "pdf/issue-33-lorem-ipsum.pdf"
EDITORS = ["teacher", "librarian"]  # may edit the file (its uploader; the library's librarian)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def served(page_or_file, user):
    """The bytes of a material file's URL, fetched as `user` (a reader of the public site)."""
    material_file = page_or_file.file if isinstance(page_or_file, MaterialPage) else page_or_file
    client = Client()
    client.force_login(user)
    response = client.get(material_file.url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def fresh(page):
    return MaterialPage.objects.get(pk=page.pk)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def new_bytes(fixture_path):
    return fixture_path(NEW).read_bytes()


@pytest.fixture
def upload(new_bytes):
    """upload(name="ban-moi.pdf") -> a fresh upload of the new PDF's bytes."""

    def _upload(name="ban-moi.pdf"):
        return SimpleUploadedFile(name, new_bytes, content_type="application/pdf")

    return _upload


@pytest.fixture
def live(school, make_material, fixture_path):
    """The published material (public, Toán, owned by gv_toan) and its approved file's bytes."""
    page = make_material(APPROVED, owner=school["teacher"], title="Phân số – Lớp 6")
    approved_bytes = fixture_path(APPROVED).read_bytes()
    assert page.live and page.file.sha256 == sha256(approved_bytes)
    return {"page": page, "file": page.file, "bytes": approved_bytes, "sha256": page.file.sha256,
            "revision_id": page.latest_revision_id}


def assert_untouched(live, school):
    """The live page still serves the approved bytes, from the same unchanged row."""
    page = fresh(live["page"])
    assert page.live
    assert page.file_id == live["file"].pk
    old = MaterialFile.objects.get(pk=live["file"].pk)
    assert old.sha256 == live["sha256"]
    assert old.file.name == live["file"].file.name
    with old.file.open("rb") as handle:
        assert sha256(handle.read()) == live["sha256"]
    assert served(page, school["student"]) == live["bytes"]
    return page


def assert_new_version_under_review(live, school, user, new_bytes):
    """A new MaterialFile holds `new_bytes`, on a newer revision of the page, under review by `user`."""
    page = assert_untouched(live, school)
    new = MaterialFile.objects.get(sha256=sha256(new_bytes))
    assert new.pk != live["file"].pk
    assert new.collection_id == live["file"].collection_id
    assert new.uploaded_by_user == user
    assert page.latest_revision_id != live["revision_id"]
    assert page.get_latest_revision_as_object().file_id == new.pk
    state = page.current_workflow_state
    assert state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == user
    assert page.current_workflow_task_state.revision_id == page.latest_revision_id
    assert page.has_unpublished_changes
    return page, new


def assert_nothing_new(live, school):
    """No version, no revision, no review: the page is exactly as approved."""
    page = assert_untouched(live, school)
    assert page.latest_revision_id == live["revision_id"]
    assert page.current_workflow_state is None
    return page


def edit_data(material_file, file=None, **fields):
    data = {"title": material_file.title, "collection": material_file.collection_id, "tags": ""}
    if file is not None:
        data["file"] = file
    data.update(fields)
    return data


# --- approval records ---------------------------------------------------------------------------


def test_publishing_records_the_approved_sha256(live):
    page = live["page"]
    entry = approval_entries(page.file).get()
    assert entry.action == APPROVE_FILE_ACTION
    assert entry.page_id == page.pk
    assert entry.data == {"file_id": page.file.pk, "sha256": live["sha256"],
                          "revision_id": page.live_revision_id}
    assert file_is_approved(page.file)


def test_approval_through_the_workflow_records_the_approver(school, make_material, client):
    page = make_material(APPROVED, publish=False)
    assert not file_is_approved(page.file)
    page.get_workflow().start(page, school["teacher"])
    page = fresh(page)
    client.force_login(school["reviewer"])
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk))
    response = client.post(url, {"comment": ""})
    assert response.status_code == 302
    page = fresh(page)
    assert page.live
    entry = approval_entries(page.file).get()
    assert entry.user == school["reviewer"]
    assert entry.data["sha256"] == page.file.sha256
    assert entry.data["revision_id"] == page.live_revision_id
    # The page's history names the approval.
    client.force_login(school["librarian"])
    history = client.get(reverse("wagtailadmin_pages:history", args=(page.pk,))).content.decode()
    assert "Duyệt tệp" in history and page.file.sha256 in history


# --- the document edit view ---------------------------------------------------------------------


@pytest.mark.parametrize("name", EDITORS)
def test_document_edit_view_makes_a_new_version_under_review(name, school, live, client, upload, new_bytes):
    user = school[name]
    client.force_login(user)
    response = client.post(reverse("wagtaildocs:edit", args=[live["file"].pk]),
                           edit_data(live["file"], upload(), title="Biên bản – bản 2", tags="\"phân số\""))
    assert response.status_code == 302, response.context and response.context["form"].errors
    page, new = assert_new_version_under_review(live, school, user, new_bytes)
    # The form's title and tags go to the new version; the approved row keeps its own.
    assert new.title == "Biên bản – bản 2" and [tag.name for tag in new.tags.all()] == ["phân số"]
    old = MaterialFile.objects.get(pk=live["file"].pk)
    assert old.title == live["file"].title and not old.tags.exists()
    assert any("phiên bản mới" in text and "gửi duyệt lại" in text for text in messages_of(response))
    # Readers never see the version under review; the reviewers' turn comes first.
    reader = Client()
    reader.force_login(school["student"])
    assert reader.get(new.url).status_code == 404


def test_document_edit_view_refuses_a_colleague(school, live, client, upload):
    client.force_login(school["teacher2"])
    url = reverse("wagtaildocs:edit", args=[live["file"].pk])
    response = client.post(url, edit_data(live["file"], upload(), title="Đã thay"))
    assert response.status_code in (302, 403)
    assert_nothing_new(live, school)
    assert not MaterialFile.objects.filter(title="Đã thay").exists()


def test_a_direct_post_with_forged_fields_still_makes_a_version(school, live, client, upload, new_bytes):
    """A hand-made POST (no form page first) that also names library b's collection and another
    uploader: the teacher has one collection, so the form ignores the one posted, and the version
    lands in the approved file's own collection, as the teacher's."""
    client.force_login(school["teacher"])
    response = client.post(reverse("wagtaildocs:edit", args=[live["file"].pk]), edit_data(
        live["file"], upload("forged.pdf"), collection=library_collection(school["b"]).pk,
        uploaded_by_user=school["librarian"].pk, sha256="0" * 64))
    assert response.status_code == 302
    assert_new_version_under_review(live, school, school["teacher"], new_bytes)


def test_same_bytes_again_make_no_version(school, live, client):
    client.force_login(school["teacher"])
    again = SimpleUploadedFile("lai.pdf", live["bytes"], content_type="application/pdf")
    response = client.post(reverse("wagtaildocs:edit", args=[live["file"].pk]),
                           edit_data(live["file"], again, title="Biên bản (sửa tên)"))
    assert response.status_code == 302
    assert_nothing_new(live, school)
    assert MaterialFile.objects.filter(sha256=live["sha256"]).count() == 1
    assert MaterialFile.objects.get(pk=live["file"].pk).title == "Biên bản (sửa tên)"
    assert any("giống hệt" in text for text in messages_of(response))


def test_metadata_of_an_approved_file_may_still_change(school, live, client):
    client.force_login(school["teacher"])
    response = client.post(reverse("wagtaildocs:edit", args=[live["file"].pk]),
                           edit_data(live["file"], title="Tên mới"))
    assert response.status_code == 302
    assert MaterialFile.objects.get(pk=live["file"].pk).title == "Tên mới"
    assert_nothing_new(live, school)


def test_a_draft_file_is_still_replaced_in_place(school, make_material, client, upload, new_bytes):
    page = make_material(APPROVED, publish=False)
    client.force_login(school["teacher"])
    response = client.post(reverse("wagtaildocs:edit", args=[page.file.pk]), edit_data(page.file, upload()))
    assert response.status_code == 302
    replaced = MaterialFile.objects.get(pk=page.file.pk)
    assert replaced.sha256 == sha256(new_bytes)
    assert MaterialFile.objects.count() == 1
    assert fresh(page).latest_revision_id == page.latest_revision_id


def test_no_version_on_a_material_the_uploader_may_not_edit(school, make_material, client, upload):
    """gv_toan uploaded the file, but it serves gv_van's published material: not gv_toan's to resubmit."""
    page = make_material(APPROVED, owner=school["teacher2"], subject="ngu-van")
    MaterialFile.objects.filter(pk=page.file.pk).update(uploaded_by_user=school["teacher"])
    client.force_login(school["teacher"])
    response = client.post(reverse("wagtaildocs:edit", args=[page.file.pk]), edit_data(page.file, upload()))
    assert response.status_code == 200
    assert "không được sửa" in response.context["form"].errors["file"][0]
    assert MaterialFile.objects.count() == 1
    assert fresh(page).latest_revision_id == page.latest_revision_id


def test_no_second_version_while_the_page_is_locked_in_review(school, live, client, upload, new_bytes):
    client.force_login(school["teacher"])
    url = reverse("wagtaildocs:edit", args=[live["file"].pk])
    assert client.post(url, edit_data(live["file"], upload())).status_code == 302
    page, new = assert_new_version_under_review(live, school, school["teacher"], new_bytes)
    # The page is now in review, locked for its teacher: the approved file cannot be resubmitted.
    third = SimpleUploadedFile("ba.pdf", new_bytes + b"\n%", content_type="application/pdf")
    response = client.post(url, edit_data(live["file"], third))
    assert response.status_code == 200
    assert "đang chờ duyệt" in response.context["form"].errors["file"][0]
    assert fresh(page).latest_revision_id == page.latest_revision_id


# --- the chooser's upload and the multiple uploader ---------------------------------------------


@pytest.mark.parametrize("name", ["teacher", "teacher2", "librarian"])
def test_chooser_upload_is_a_new_file_that_no_live_page_serves(name, school, live, client, upload, new_bytes):
    client.force_login(school[name])
    response = client.post(reverse("wagtaildocs_chooser:create"), {
        "document-chooser-upload-title": live["file"].title,
        "document-chooser-upload-file": upload(live["file"].filename),
        "document-chooser-upload-collection": live["file"].collection_id,
    })
    assert response.status_code == 200
    created = MaterialFile.objects.get(sha256=sha256(new_bytes))
    assert created.pk != live["file"].pk and created.uploaded_by_user == school[name]
    assert_nothing_new(live, school)


@pytest.mark.parametrize("name", ["teacher", "teacher2", "librarian"])
def test_multiple_upload_cannot_reach_the_approved_bytes(name, school, live, client, upload, new_bytes):
    client.force_login(school[name])
    response = client.post(reverse("wagtaildocs:add_multiple"), {
        "files[]": upload(live["file"].filename), "collection": live["file"].collection_id,
    })
    assert response.status_code == 200 and json.loads(response.content)["success"]
    assert MaterialFile.objects.get(sha256=sha256(new_bytes)).pk != live["file"].pk

    # The uploader's edit form has no file field: a forged one is ignored; only metadata may change.
    prefix = f"doc-{live['file'].pk}"
    response = client.post(reverse("wagtaildocs:edit_multiple", args=[live["file"].pk]), {
        f"{prefix}-title": "Sửa hàng loạt", f"{prefix}-collection": live["file"].collection_id,
        f"{prefix}-tags": "", f"{prefix}-file": upload(), "file": upload(),
    })
    title = MaterialFile.objects.get(pk=live["file"].pk).title
    if name == "teacher2":  # not their file
        assert response.status_code in (302, 403) or not json.loads(response.content)["success"]
        assert title != "Sửa hàng loạt"
    else:
        assert json.loads(response.content)["success"]
        assert title == "Sửa hàng loạt"
    assert MaterialFile.objects.filter(sha256=sha256(new_bytes)).count() == 1
    assert_nothing_new(live, school)


# --- code ---------------------------------------------------------------------------------------


def test_a_save_in_code_cannot_swap_the_bytes(school, live, new_bytes):
    material_file = MaterialFile.objects.get(pk=live["file"].pk)
    material_file.file.save("thay.pdf", ContentFile(new_bytes), save=False)
    with pytest.raises(ValidationError) as refused:
        material_file.save()
    assert "đã được duyệt" in str(refused.value)
    with pytest.raises(ValidationError):
        material_file.save(update_fields=["file"])
    material_file.file = None
    with pytest.raises(ValidationError):
        material_file.save()
    assert_nothing_new(live, school)


def test_saves_without_a_new_file_pass(school, live):
    material_file = MaterialFile.objects.get(pk=live["file"].pk)
    material_file.title = "Đổi tên trong mã"
    material_file.save()
    material_file.processing_error = ""
    material_file.save(update_fields=["processing_error"])
    assert MaterialFile.objects.get(pk=live["file"].pk).title == "Đổi tên trong mã"
    assert_nothing_new(live, school)


def test_an_approval_keeps_the_file_immutable_after_unpublishing(school, live, new_bytes):
    """Approved once, approved for good: the approval record alone protects the bytes."""
    page = live["page"]
    page.unpublish()
    assert not fresh(page).live
    material_file = MaterialFile.objects.get(pk=live["file"].pk)
    material_file.file.save("thay.pdf", ContentFile(new_bytes), save=False)
    with pytest.raises(ValidationError):
        material_file.save()


def test_a_version_approved_for_later_publication_is_immutable(school, live, new_bytes):
    """Approved with a go-live date still to come: not live, no page_published yet, already approved."""
    other = stored_in_library_a(school, school["teacher"], new_bytes)
    page = fresh(live["page"])
    page.file = other
    page.go_live_at = timezone.now() + timedelta(days=1)
    page.save_revision(user=school["librarian"]).publish(user=school["librarian"])
    assert fresh(page).file_id == live["file"].pk
    assert file_is_approved(other)
    other.file.save("thay.pdf", ContentFile(live["bytes"]), save=False)
    with pytest.raises(ValidationError):
        other.save()


# --- the material's own form --------------------------------------------------------------------


def material_form(page, file_pk, action):
    return nested_form_data({
        "title": page.title, "slug": page.slug, "material_type": page.material_type,
        "creators": page.creators, "subject": page.subject, "grade": str(page.grade or ""),
        "language": page.language, "file": str(file_pk), "rights": page.rights,
        "access_level": page.access_level, "comments": inline_formset([]), action: "1",
    })


def stored_in_library_a(school, user, data):
    material_file = MaterialFile(title="Bản mới", uploaded_by_user=user,
                                 collection=library_collection(school["a"]))
    material_file.file.save("ban-moi.pdf", ContentFile(data), save=False)
    material_file.save()
    return material_file


@pytest.mark.parametrize("name", EDITORS)
def test_material_form_with_another_file_goes_to_review(name, school, live, client, new_bytes):
    user = school[name]
    other = stored_in_library_a(school, user, new_bytes)
    client.force_login(user)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[live["page"].pk]),
                           material_form(live["page"], other.pk, "action-submit"))
    assert response.status_code == 302
    page, new = assert_new_version_under_review(live, school, user, new_bytes)
    assert new == other


def test_material_form_refuses_a_colleague(school, live, client, new_bytes):
    other = stored_in_library_a(school, school["teacher2"], new_bytes)
    client.force_login(school["teacher2"])
    response = client.post(reverse("wagtailadmin_pages:edit", args=[live["page"].pk]),
                           material_form(live["page"], other.pk, "action-submit"))
    assert response.status_code in (302, 403)
    assert_nothing_new(live, school)


def test_librarian_publishing_a_new_file_records_its_approval(school, live, client, new_bytes):
    """A librarian may publish without review: the new file goes live, the approved one is untouched."""
    other = stored_in_library_a(school, school["librarian"], new_bytes)
    client.force_login(school["librarian"])
    response = client.post(reverse("wagtailadmin_pages:edit", args=[live["page"].pk]),
                           material_form(live["page"], other.pk, "action-publish"))
    assert response.status_code == 302
    page = fresh(live["page"])
    assert page.live and page.file_id == other.pk
    assert approval_entries(other).get().data["sha256"] == sha256(new_bytes)
    assert approval_entries(other).get().user == school["librarian"]
    assert served(page, school["student"]) == new_bytes
    old = MaterialFile.objects.get(pk=live["file"].pk)
    assert old.sha256 == live["sha256"] and file_is_approved(old)


# --- the review of a new version, end to end ----------------------------------------------------


def test_approving_the_new_version_makes_it_live(school, live, client, upload, new_bytes):
    client.force_login(school["teacher"])
    client.post(reverse("wagtaildocs:edit", args=[live["file"].pk]), edit_data(live["file"], upload()))
    page, new = assert_new_version_under_review(live, school, school["teacher"], new_bytes)

    client.force_login(school["reviewer"])
    task_state = page.current_workflow_task_state
    client.post(reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk)),
                {"comment": "Đạt."})
    page = fresh(page)
    assert page.live and page.file_id == new.pk
    assert served(page, school["student"]) == new_bytes
    approved = [entry.data["sha256"] for entry in approval_entries(page=page)]
    assert approved == [sha256(new_bytes), live["sha256"]]
    versions = file_versions(page)
    assert [(v.file.pk, v.is_live) for v in versions] == [(new.pk, True), (live["file"].pk, False)]
    assert all(v.approvals for v in versions)


# --- the versions screen ------------------------------------------------------------------------


@pytest.fixture
def versioned(school, live, client, upload, new_bytes):
    """The live material after its teacher uploaded a new version: (page, old file, new file)."""
    client.force_login(school["teacher"])
    client.post(reverse("wagtaildocs:edit", args=[live["file"].pk]), edit_data(live["file"], upload()))
    client.logout()
    page, new = assert_new_version_under_review(live, school, school["teacher"], new_bytes)
    return page, MaterialFile.objects.get(pk=live["file"].pk), new


def test_file_versions_newest_first_with_the_live_one(school, versioned):
    page, old, new = versioned
    versions = file_versions(page)
    assert [v.file for v in versions] == [new, old]
    assert [v.number for v in versions] == [2, 1]
    latest, approved = versions
    assert (latest.is_live, latest.is_latest, latest.in_review, latest.approvals) == (False, True, True, [])
    assert (approved.is_live, approved.is_latest, approved.in_review) == (True, False, False)
    assert approved.approvals[0].data["sha256"] == old.sha256 and approved.approved_at is not None
    assert latest.uploaded_by == school["teacher"]
    assert (latest.size, latest.sha256) == (new.file_size, new.sha256)


@pytest.mark.parametrize("name", ["teacher", "librarian", "principal", "reviewer"])
def test_versions_screen_lists_both_versions(name, school, versioned, client):
    page, old, new = versioned
    client.force_login(school[name])
    response = client.get(reverse("hoclieu_file_versions", args=[page.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert old.sha256 in text and new.sha256 in text
    assert f'data-file-id="{old.pk}" data-live' in text
    assert f'data-file-id="{new.pk}" data-live' not in text
    assert "Đang phục vụ" in text and "Đang chờ duyệt" in text


@pytest.mark.parametrize("name", ["teacher2", "reviewer_b"])
def test_versions_screen_is_404_for_others(name, school, versioned, client):
    """A colleague who may neither edit nor review it, and another library's staff."""
    page, old, _new = versioned
    user = school[name]
    assert not user_can_see_versions(user, page)
    client.force_login(user)
    response = client.get(reverse("hoclieu_file_versions", args=[page.pk]))
    assert response.status_code == 404
    assert old.sha256 not in response.content.decode()


def test_versions_screen_is_for_staff_only(school, versioned, client):
    page, _old, _new = versioned
    client.force_login(school["student"])
    response = client.get(reverse("hoclieu_file_versions", args=[page.pk]))
    assert response.status_code in (302, 403, 404)


def test_the_editor_links_to_the_versions(school, versioned, client):
    page, _old, _new = versioned
    client.force_login(school["librarian"])
    editor = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert reverse("hoclieu_file_versions", args=[page.pk]) in editor


def test_the_editor_panel_lists_the_versions(school, versioned, rf):
    """repository.panels.FileVersionsPanel, given the editor's object (the latest revision's)."""
    from repository.panels import FileVersionsPanel

    page, old, new = versioned
    panel = FileVersionsPanel().bind_to_model(MaterialPage)
    request = rf.get("/")
    request.user = school["reviewer"]
    draft = fresh(page).get_latest_revision_as_object()
    bound = panel.get_bound_panel(instance=draft, request=request, form=None)
    assert bound.is_shown()
    html = bound.render_html()
    assert old.sha256 in html and new.sha256 in html
    assert f'data-file-id="{old.pk}" data-live' in html
    request.user = school["teacher2"]  # may not see the versions: the panel lists none
    assert old.sha256 not in panel.get_bound_panel(instance=draft, request=request, form=None).render_html()
    assert not panel.get_bound_panel(instance=MaterialPage(), request=request, form=None).is_shown()
