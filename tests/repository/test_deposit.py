"""Depositing without a manual (issue 9, item 6): the dashboard button, the file first with the rest
proposed, "Gửi duyệt" first, no autosaved drafts on creation, the chooser of one's own files with their
state, transliterated addresses, the status panel's access level, the reviewer's comment on top."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from repository.choices import MaterialType
from repository.models import MaterialFile, MaterialPage
from repository.models.materials import ProcessingStatus
from repository.roles import library_collection

pytestmark = pytest.mark.django_db


def add_url(index):
    return reverse("wagtailadmin_pages:add", args=("repository", "materialpage", index.pk))


def upload_file(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def deposit_form(action="action-submit", **fields):
    """The create form's POST as a teacher leaves it: only what is given, the rest empty."""
    data = {"title": "", "slug": "", "material_type": "", "creators": "", "subject": "toan", "grade": "",
            "language": "vie", "file": "", "rights": "CC-BY-4.0", "access_level": "school",
            "comments": inline_formset([]), action: "1"}
    data.update(fields)
    return nested_form_data(data)


# --- 1. "Thêm học liệu" on the dashboard ---------------------------------------------------------


def test_dashboard_button_leads_to_the_create_form_of_ones_library(school, client):
    client.force_login(school["teacher"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*data-deposit-library[^>]*>', html)
    assert links == [add_url(school["index_a"])]
    assert "Thêm học liệu" in html
    assert client.get(links[0]).status_code == 200


def test_dashboard_button_names_only_the_users_libraries(school, client):
    client.force_login(school["reviewer_b"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert add_url(school["index_b"]) in html
    assert add_url(school["index_a"]) not in html


def test_student_gets_no_deposit_button_nor_admin(school, client):
    client.force_login(school["student"])
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code in (302, 403)


# --- 2. one form, the file first, the rest proposed ------------------------------------------------


def test_create_form_puts_the_file_first_and_proposes_the_author(school, client):
    client.force_login(school["teacher"])
    html = client.get(add_url(school["index_a"])).content.decode()
    assert html.index('name="upload"') < html.index('name="title"')
    assert html.index('name="file"') < html.index('name="title"')
    creators = re.search(r'<textarea name="creators"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert creators.strip() == "Nguyễn Thị Lan"  # family name first


def test_upload_with_the_form_proposes_title_type_author_and_address(school, client, tmp_path,
                                                                    django_capture_on_commit_callbacks):
    import docx

    path = tmp_path / "KHBD_toan_6.docx"
    document = docx.Document()
    document.add_paragraph("Phân số")
    document.core_properties.title = "Kế hoạch bài dạy: Phân số"
    document.save(path)
    client.force_login(school["teacher"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add_url(school["index_a"]), deposit_form(upload=upload_file(path)))
    assert response.status_code == 302, response.content.decode()[:3000]
    page = MaterialPage.objects.get()
    assert page.title == "Kế hoạch bài dạy: Phân số"
    assert page.slug == "ke-hoach-bai-day-phan-so"
    assert page.material_type == MaterialType.LESSON_PLAN
    assert page.creators == "Nguyễn Thị Lan"
    assert page.file.title == "Kế hoạch bài dạy: Phân số"
    assert page.file.uploaded_by_user == school["teacher"]
    assert page.file.collection == library_collection(school["a"])
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_file_without_metadata_title_gives_its_name_cleaned(school, client, fixture_path):
    client.force_login(school["teacher"])
    response = client.post(add_url(school["index_a"]), deposit_form(
        upload=upload_file(fixture_path("office/test.pptx"), "bai_giang-phan-so.pptx")))
    assert response.status_code == 302
    page = MaterialPage.objects.get()
    assert page.title == "bai giang phan so"
    assert page.material_type == MaterialType.SLIDES
    assert page.slug == "bai-giang-phan-so"


def test_a_bad_upload_is_refused_with_its_reason_and_nothing_is_made(school, client, fixture_path):
    client.force_login(school["teacher"])
    response = client.post(add_url(school["index_a"]), deposit_form(
        upload=upload_file(fixture_path("broken/slides_named_as.pdf"))))
    assert response.status_code == 200
    assert "PPTX" in response.content.decode()
    assert not MaterialPage.objects.exists() and not MaterialFile.objects.exists()


def test_neither_upload_nor_file_is_refused(school, client):
    client.force_login(school["teacher"])
    response = client.post(add_url(school["index_a"]), deposit_form(title="Phân số"))
    assert response.status_code == 200
    assert "Hãy tải tệp học liệu lên hoặc chọn một tệp đã có." in response.content.decode()
    assert not MaterialPage.objects.exists()


def test_chosen_file_proposes_title_and_type_on_save(school, client, upload):
    material_file = upload(school["teacher"])
    client.force_login(school["teacher"])
    response = client.post(add_url(school["index_a"]), deposit_form(file=str(material_file.pk)))
    assert response.status_code == 302
    page = MaterialPage.objects.get()
    assert (page.title, page.material_type) == (material_file.title, MaterialType.LESSON_PLAN)


def test_upload_endpoint_stores_and_proposes(school, client, fixture_path):
    client.force_login(school["teacher"])
    url = reverse("hoclieu_deposit_upload", args=[school["index_a"].pk])
    response = client.post(url, {"file": upload_file(fixture_path("pdf/maint-guide.vi.pdf"))})
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Debian New Maintainers' Guide"
    assert body["material_type"] == MaterialType.LESSON_PLAN
    material_file = MaterialFile.objects.get(pk=body["id"])
    assert material_file.uploaded_by_user == school["teacher"]
    assert material_file.collection == library_collection(school["a"])


@pytest.mark.parametrize("who", ["reviewer_b", "student", None])
def test_upload_endpoint_refuses_other_libraries_students_and_anonymous(school, client, fixture_path, who):
    if who:
        client.force_login(school[who])
    url = reverse("hoclieu_deposit_upload", args=[school["index_a"].pk])
    response = client.post(url, {"file": upload_file(fixture_path("pdf/scotus-transcript-p1.pdf"))})
    assert response.status_code in (302, 403, 404)
    assert not MaterialFile.objects.exists()


def test_upload_endpoint_refuses_a_bad_file_with_its_reason(school, client, fixture_path):
    client.force_login(school["teacher"])
    url = reverse("hoclieu_deposit_upload", args=[school["index_a"].pk])
    response = client.post(url, {"file": upload_file(fixture_path("broken/empty.pdf"))})
    assert response.status_code == 400
    assert "rỗng" in " ".join(response.json()["errors"])
    assert not MaterialFile.objects.exists()


def test_document_upload_titled_with_the_raw_file_name_gets_the_files_title(school, client, fixture_path):
    client.force_login(school["teacher"])
    path = fixture_path("pdf/maint-guide.vi.pdf")
    response = client.post(reverse("wagtaildocs:add"), {
        "title": "maint-guide.vi", "file": upload_file(path),
        "collection": library_collection(school["a"]).pk,
    })
    assert response.status_code == 302
    assert MaterialFile.objects.get().title == "Debian New Maintainers' Guide"


# --- 3. "Gửi duyệt" first; 4. no autosave on creation --------------------------------------------


def _default_action(html):
    """The label of the action menu's wide (default) button."""
    footer = html[html.index('class="footer'):]
    button = re.search(r"<button[^>]*>(.*?)</button>", footer, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", button).split())


def test_submit_for_review_is_the_teachers_default_action(school, client):
    client.force_login(school["teacher"])
    html = client.get(add_url(school["index_a"])).content.decode()
    assert _default_action(html) == "Gửi duyệt"


def test_librarian_keeps_publish_as_default(school, client):
    client.force_login(school["librarian"])
    html = client.get(add_url(school["index_a"])).content.decode()
    assert _default_action(html) != "Gửi duyệt"


def test_no_autosave_on_creation_but_on_edit(school, client, make_material):
    client.force_login(school["teacher"])
    autosave = re.compile(r'data-controller="[^"]*\bw-autosave\b')
    assert not autosave.search(client.get(add_url(school["index_a"])).content.decode())
    page = make_material("pdf/scotus-transcript-p1.pdf", publish=False)
    assert autosave.search(client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode())


# --- 5. the chooser: one's own files, with their state, no failed ones ----------------------------


def _chooser(client, **params):
    response = client.get(reverse("hoclieu_file_chooser:choose"), params)
    assert response.status_code == 200
    return response.json()["html"]


def test_chooser_lists_own_files_with_state_and_hides_failed(school, client, upload):
    own, failed, other = upload(school["teacher"]), upload(school["teacher"]), upload(school["teacher2"])
    for material_file, title in ((own, "Tệp của tôi"), (failed, "Tệp hỏng"), (other, "Tệp đồng nghiệp")):
        material_file.title = title
        material_file.save()  # and its search entry
    MaterialFile.objects.filter(pk=failed.pk).update(processing_status=ProcessingStatus.FAILED)
    client.force_login(school["teacher"])
    html = _chooser(client)
    assert "Tệp của tôi" in html and "Trạng thái xử lí" in html
    assert 'data-processing-status="' in html
    assert "Tệp hỏng" not in html and "Tệp đồng nghiệp" not in html
    assert "Tệp hỏng" in _chooser(client, failed="1")
    results = client.get(reverse("hoclieu_file_chooser:choose_results"), {"q": "Tệp"}).content.decode()
    assert "Tệp của tôi" in results and "Tệp hỏng" not in results and "Tệp đồng nghiệp" not in results

    client.force_login(school["librarian"])
    html = _chooser(client)
    assert "Tệp của tôi" in html and "Tệp đồng nghiệp" in html


def test_chooser_chosen_answer_of_another_librarys_file_is_404(school, client, upload):
    theirs = upload(school["reviewer_b"])
    client.force_login(school["teacher"])
    response = client.get(reverse("hoclieu_file_chooser:chosen", args=[theirs.pk]))
    assert response.status_code == 404


# --- 6. addresses transliterated ----------------------------------------------------------------


@pytest.mark.parametrize("title, slug", [("Kế hoạch bài dạy", "ke-hoach-bai-day"), ("Đại số 7", "dai-so-7")])
def test_address_made_in_the_admin_is_transliterated(school, client, upload, title, slug):
    client.force_login(school["teacher"])
    response = client.post(add_url(school["index_a"]), deposit_form(
        title=title, file=str(upload(school["teacher"]).pk)))
    assert response.status_code == 302
    assert MaterialPage.objects.get().slug == slug


def test_slug_field_script_folds_vietnamese(school, client):
    client.force_login(school["teacher"])
    html = client.get(add_url(school["index_a"])).content.decode()
    slug_input = re.search(r'<input[^>]*name="slug"[^>]*>', html).group(0)
    assert "data-w-slug-formatters-value" in slug_input


# --- 7. the status panel tells the access level ----------------------------------------------------


def test_status_panel_shows_the_materials_access_level(school, client, make_material):
    page = make_material("pdf/scotus-transcript-p1.pdf", access_level="school")
    client.force_login(school["teacher"])
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert html.count('data-access-level="school"') == 2  # the status panel and the "live" tag
    assert "Trong trường" in html
    assert "Mọi người đều xem được" not in html and "Visible to all" not in html


# --- the reviewer's comment on top, credited to the reviewer -------------------------------------


def test_latest_comment_on_top_names_the_reviewer_not_the_submitter(school, client, upload):
    school["reviewer"].first_name, school["reviewer"].last_name = "Bình", "Trần Văn"
    school["reviewer"].save()
    client.force_login(school["teacher"])
    client.post(add_url(school["index_a"]),
                deposit_form(title="Phân số", file=str(upload(school["teacher"]).pk)))
    page = MaterialPage.objects.get()
    task_state = page.current_workflow_task_state
    client.force_login(school["reviewer"])
    client.post(reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "reject", task_state.pk)),
                {"comment": "Thiếu mục tiêu bài học."})
    client.force_login(school["teacher"])
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    message = re.search(r"([^>]*) \([^)]*\) yêu cầu chỉnh sửa: “Thiếu mục tiêu bài học.”", html)
    assert message and message.group(1).strip().endswith("Bình Trần Văn")
