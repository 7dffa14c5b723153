"""A reviewer sends a material back with a reason in the Wagtail admin; the teacher sees the reason, with
who wrote it, at the top of the material's editor (issue 9, items 1, 2 and 7)."""

import pytest

from repository.models import MaterialPage

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Cần bổ sung phần vận dụng và tiêu chí đánh giá."


@pytest.fixture
def desktop(browser):
    """new_page() -> a page in a fresh desktop-sized context (its own cookies: one login each)."""
    contexts = []

    def new_page():
        contexts.append(browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN"))
        return contexts[-1].new_page()

    yield new_page
    for context in contexts:
        context.close()


def test_reviewer_sends_back_and_the_teacher_reads_why(live_server, desktop, school, make_material):
    page = make_material("pdf/scotus-transcript-p1.pdf", title="Phân số – Lớp 6", publish=False)
    page.get_workflow().start(page, school["teacher"])
    edit_url = f"{live_server.url}/admin/pages/{page.pk}/edit/"

    reviewer = desktop()
    login(reviewer, live_server, "tt_toan")
    reviewer.goto(edit_url)
    send_back = reviewer.locator("[data-workflow-action-name=reject]")
    if not send_back.is_visible():  # behind the save button's menu
        reviewer.locator("footer .w-dropdown__toggle").first.click()
    send_back.click()
    reviewer.fill("textarea[name=comment]", REASON)
    reviewer.locator(".modal button[type=submit], .modal input[type=submit]").first.click()
    reviewer.wait_for_load_state()
    reviewer.wait_for_function(
        "!document.querySelector('[data-workflow-action-name=reject]')", timeout=10000
    )
    state = MaterialPage.objects.get(pk=page.pk).current_workflow_state
    assert state.status == "needs_changes"
    reviewer.close()

    teacher = desktop()
    login(teacher, live_server, "gv_toan")
    teacher.goto(f"{live_server.url}/admin/")
    teacher.locator(f"[data-my-submissions] [data-page='{page.pk}'] a").click()
    teacher.wait_for_url(f"**/admin/pages/{page.pk}/edit/")
    # The reason heads the editor: the first message, above the form, naming the reviewer.
    message = teacher.locator(".messages li").first
    assert REASON in message.inner_text()
    assert "tt_toan" in message.inner_text() and "yêu cầu chỉnh sửa" in message.inner_text()
    message_top = message.bounding_box()["y"]
    title_field_top = teacher.locator("#id_title").bounding_box()["y"]
    assert message_top < title_field_top
