"""A teacher deposits a lesson plan from the dashboard, as a new user would, and the steps are counted.

From the dashboard: "Thêm học liệu" → the create form; the file is chosen in "Tải tệp lên" (stored at
once, title, type, author and address proposed); the subject is picked; "Gửi duyệt". The test counts
the user's actions (clicks, file choices, selections) and the screens (page loads) from the dashboard
to the material in review, and prints them.
"""

import docx
import pytest
from wagtail.models import WorkflowState

from repository.models import MaterialPage

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_ACTIONS = 5
MAX_SCREENS = 3


def test_teacher_deposits_in_a_few_steps(live_server, browser, school, tmp_path):
    path = tmp_path / "KHBD_phan_so_final.docx"
    document = docx.Document()
    document.add_paragraph("Mục tiêu: học sinh so sánh được hai phân số.")
    document.core_properties.title = "Kế hoạch bài dạy Phân số"
    document.save(path)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    login(page, live_server, "gv_toan")
    page.goto(f"{live_server.url}/admin/")

    screens = [page.url]
    page.on("framenavigated", lambda frame: frame == page.main_frame and screens.append(frame.url))
    actions = []

    # 1. The dashboard's button, straight to the form.
    actions.append("click Thêm học liệu")
    page.get_by_role("link", name="Thêm học liệu").click()
    page.wait_for_selector("input[name=upload]")

    # 2. The file first: stored at once, the rest proposed from it and from the teacher.
    actions.append("choose the file")
    page.set_input_files("input[name=upload]", str(path))
    page.wait_for_function("document.querySelector('#id_file').value !== ''", timeout=30000)
    assert page.input_value("#id_title") == "Kế hoạch bài dạy Phân số"  # the file's own title
    assert page.input_value("#id_creators") == "Nguyễn Thị Lan"
    assert page.input_value("#id_material_type") == "lesson_plan"
    # Wagtail's slug script follows the title (debounced), folding the Vietnamese letters.
    page.wait_for_function("document.querySelector('#id_slug').value !== ''", timeout=10000)
    assert page.input_value("#id_slug") == "ke-hoach-bai-day-phan-so"

    # 3. What only the teacher knows: the subject.
    actions.append("select the subject")
    page.select_option("#id_subject", "toan")

    # 4. "Gửi duyệt", the wide button.
    actions.append("click Gửi duyệt")
    default_button = page.locator("footer button[type=submit]").first
    assert default_button.inner_text().strip() == "Gửi duyệt"
    with page.expect_navigation():
        default_button.click()
    page.wait_for_load_state()

    material = MaterialPage.objects.get()
    assert material.slug == "ke-hoach-bai-day-phan-so"
    assert material.title == "Kế hoạch bài dạy Phân số"
    assert material.file.uploaded_by_user == school["teacher"]
    assert material.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert MaterialPage.objects.count() == 1  # no draft left behind by autosave

    distinct_screens = list(dict.fromkeys(url.split("?")[0] for url in screens))
    print(f"\ndeposit: {len(actions)} actions over {len(distinct_screens)} screens: {actions}; "
          f"{distinct_screens}")
    assert len(actions) <= MAX_ACTIONS
    assert len(distinct_screens) <= MAX_SCREENS
    context.close()
