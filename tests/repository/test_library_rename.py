"""Renaming a library keeps everything bound to it (issue "Library data that cannot drift").

A library's collection is bound by `Library.collection`, its role groups by LibraryRoleGroup and its
subject groups by SubjectGroup.library: keys, not names. So renaming the library, its collection,
its index page and its Wagtail groups changes no permission, no upload destination, no isolation and
no review.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission
from wagtail.permissions import policy_registry

from repository.access import user_can_view_material, visible_materials
from repository.choices import Role, Subject
from repository.models import Library, MaterialFile, SubjectGroup
from repository.permissions import admin_documents, admin_pages, admin_users
from repository.review import page_under_review, review_assignment, user_can_review
from repository.roles import create_subject_group, library_collection, setup_library

pytestmark = pytest.mark.django_db

PDF = "pdf/scotus-transcript-p1.pdf"


@pytest.fixture
def files(school, make_material):
    """Materials of a (teacher's published school-level one, teacher2's draft) and one of b."""
    teacher_page = make_material(PDF, title="Giáo án Toán 6", owner=school["teacher"], access_level="school")
    teacher2_draft = make_material(PDF, title="Giáo án Văn 6", owner=school["teacher2"], publish=False,
                                   subject=Subject.NGU_VAN)
    b_page = make_material(PDF, title="Giáo án của Lê Lợi", parent=school["index_b"],
                           owner=school["reviewer_b"], access_level="school")
    return {"teacher": teacher_page, "teacher2": teacher2_draft, "b": b_page}


def rename(school):
    """Rename library a, its collection, its index page, its role groups and subject groups' groups."""
    a = Library.objects.get(pk=school["a"].pk)
    a.name = "Trường THCS Nguyễn Du (cơ sở mới)"
    a.save()
    collection = a.collection
    collection.name = "Kho tệp đã đổi tên"
    collection.save()
    index = school["index_a"].specific
    index.title = "Thư viện đã đổi tên"
    index.save_revision().publish()
    for number, binding in enumerate(a.role_groups.select_related("group")):
        binding.group.name = f"Nhóm đổi tên {number}"
        binding.group.save()
    for number, subject_group in enumerate(a.subject_groups.select_related("group")):
        subject_group.group.name = f"Tổ đổi tên {number}"
        subject_group.group.save()
    return a


def snapshot(library):
    """What binds `library`: its collection pk, its role groups and their page/collection permissions."""
    groups = {binding.role: binding.group_id for binding in library.role_groups.all()}
    return {
        "collection": library.collection_id,
        "groups": groups,
        "page permissions": sorted(
            GroupPagePermission.objects.filter(group_id__in=groups.values())
            .values_list("group_id", "page_id", "permission__codename")
        ),
        "collection permissions": sorted(
            GroupCollectionPermission.objects.filter(group_id__in=groups.values())
            .values_list("group_id", "collection_id", "permission__codename")
        ),
        "subject groups": sorted(library.subject_groups.values_list("pk", "group_id")),
    }


def test_renaming_keeps_page_permissions(school, files):
    rename(school)
    index_a, page = school["index_a"], files["teacher"]
    assert index_a.permissions_for_user(school["teacher"]).can_add_subpage()
    assert page.permissions_for_user(school["teacher"]).can_edit()
    assert not page.permissions_for_user(school["teacher2"]).can_edit()
    for name in ("principal", "librarian"):
        perms = page.permissions_for_user(school[name])
        assert perms.can_edit() and perms.can_publish(), name
    assert not page.permissions_for_user(school["reviewer_b"]).can_edit()
    assert not school["index_b"].permissions_for_user(school["teacher"]).can_add_subpage()


def test_renaming_keeps_document_permissions(school, files):
    permission_policy = policy_registry.get_by_type(get_document_model())
    a = rename(school)
    own, others = files["teacher"].file, files["teacher2"].file
    assert list(permission_policy.collections_user_has_permission_for(school["teacher"], "add")) == [
        a.collection
    ]
    assert permission_policy.user_has_permission_for_instance(school["teacher"], "change", own)
    assert not permission_policy.user_has_permission_for_instance(school["teacher"], "change", others)
    assert permission_policy.user_has_permission_for_instance(school["librarian"], "delete", others)
    assert not permission_policy.user_has_permission_for_instance(school["reviewer_b"], "change", own)


def test_renaming_keeps_the_isolation(school, files):
    rename(school)
    a_files = {files["teacher"].file, files["teacher2"].file}
    assert a_files <= set(admin_documents(school["librarian"]))
    assert files["b"].file not in admin_documents(school["librarian"])
    assert not a_files & set(admin_documents(school["reviewer_b"]))
    assert admin_pages(school["teacher"]).filter(pk=files["teacher"].pk).exists()
    assert not admin_pages(school["reviewer_b"]).filter(pk=files["teacher"].pk).exists()
    assert school["student"] in admin_users(school["librarian"])
    assert school["student_b"] not in admin_users(school["librarian"])


def test_renaming_keeps_readers_access(school, files, client):
    rename(school)
    page = files["teacher"]
    assert user_can_view_material(school["student"], page)
    assert not user_can_view_material(school["student_b"], page)
    assert visible_materials(school["student"]).filter(pk=page.pk).exists()
    client.force_login(school["student"])
    assert client.get(page.url).status_code == 200
    client.force_login(school["student_b"])
    assert client.get(page.url).status_code == 404


def test_uploads_after_renaming_go_to_the_same_collection(school, client, fixture_path):
    collection_pk = school["a"].collection_id
    rename(school)
    client.force_login(school["teacher"])
    path = fixture_path(PDF)
    response = client.post(reverse("wagtaildocs:add"), {
        "title": "Tải lên sau khi đổi tên", "file": SimpleUploadedFile(path.name, path.read_bytes()),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    uploaded = MaterialFile.objects.get(title="Tải lên sau khi đổi tên")
    assert uploaded.collection_id == collection_pk
    assert library_collection(Library.objects.get(pk=school["a"].pk)).pk == collection_pk
    assert uploaded in admin_documents(school["librarian"])


def test_renaming_keeps_subject_groups_and_review(school, make_material):
    a = rename(school)
    assert SubjectGroup.for_subject(a, Subject.TOAN) == school["toan"]
    assert set(school["toan"].members) == {school["reviewer"]}
    assert a.has_member(school["reviewer"], [Role.REVIEWER])
    draft = make_material(PDF, title="Giáo án chờ duyệt", publish=False, owner=school["teacher"])
    draft.get_workflow().start(draft, school["teacher"])
    assert review_assignment(page_under_review(draft)).subject_group == school["toan"]
    assert user_can_review(school["reviewer"], draft)
    assert not user_can_review(school["reviewer_b"], draft)


def test_setting_a_renamed_library_up_again_changes_nothing(school):
    """setup_library and create_subject_group find a library's groups by their binding, not by name."""
    before = snapshot(Library.objects.get(pk=school["a"].pk))
    a = rename(school)
    groups, collections = Group.objects.count(), Collection.objects.count()
    setup_library(a)
    create_subject_group(a, "Toán - Tin", [Subject.TOAN, Subject.TIN_HOC], leader=school["reviewer"],
                         members=[school["reviewer"]])
    assert snapshot(Library.objects.get(pk=a.pk)) == before
    assert (Group.objects.count(), Collection.objects.count()) == (groups, collections)
    assert set(SubjectGroup.objects.get(pk=school["toan"].pk).members) == {school["reviewer"]}


def test_the_admin_renames_a_library_but_keeps_its_code(school, client):
    from django.contrib.auth import get_user_model

    before = snapshot(Library.objects.get(pk=school["a"].pk))
    client.force_login(get_user_model().objects.create_superuser("hub", password="pw"))
    a = school["a"]
    url = reverse("libraries:edit", args=(a.pk,))
    assert client.get(url).context["form"].fields["code"].disabled
    response = client.post(url, {"name": "THCS Nguyễn Du mới", "code": "DOI-MA", "district": a.district,
                                 "province": a.province, "network": a.network_id,
                                 "review_chain": a.review_chain})
    assert response.status_code == 302
    a = Library.objects.get(pk=a.pk)
    assert (a.name, a.code) == ("THCS Nguyễn Du mới", "THCS-ND")
    assert snapshot(a) == before
