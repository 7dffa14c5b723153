"""The Wagtail admin in Vietnamese for teachers, subject-group reviewers and librarians.

Wagtail's own vi catalogue covers a small part of the admin; cms/locale_admin/vi/LC_MESSAGES
(django.po and djangojs.po, msgids in English as Wagtail writes them) supplies the rest, and, being
under LOCALE_PATHS, takes precedence over Wagtail's catalogue where both translate a msgid. These
tests walk the screens of the teacher / reviewer flow through the real admin views and read the
catalogue itself: every entry translated, placeholders and HTML tags kept, the .mo compiled from
the .po, and every msgid still one that the installed Wagtail, Django or django-taggit uses.
"""

import gettext
import re
from collections import Counter
from pathlib import Path

import django
import pytest
import taggit
import wagtail
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from repository.choices import Subject
from repository.models import MaterialFile, MaterialPage
from tests.cms.test_i18n import placeholders, read_po

LC_MESSAGES = Path(__file__).resolve().parents[2] / "cms" / "locale_admin" / "vi" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# An HTML tag inside a msgid (<b>, </b>, <a href="%(url)s">, <span class="w-sr-only">).
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def page_text(response):
    """The response body as text, with JSON \\uXXXX escapes decoded.

    The sidebar menu and chooser modals reach the browser as JSON, where Django's encoder writes
    "Đăng xuất" as "\\u0110\\u0103ng xu\\u1ea5t"; decoding lets one search cover HTML and JSON.
    """
    return JSON_ESCAPE.sub(lambda match: chr(int(match[1], 16)), response.content.decode())


def assert_vietnamese(text, present, absent):
    """Every string of `present` occurs in `text` and none of `absent` does."""
    missing = [s for s in present if s not in text]
    leftover = [s for s in absent if s in text]
    assert not missing and not leftover, f"missing Vietnamese: {missing}; English left: {leftover}"


@pytest.fixture
def material_file(school, fixture_path):
    """A MaterialFile uploaded by the teacher of library a to its collection, holding a real PDF."""
    from repository.roles import library_collection

    path = fixture_path("pdf/scotus-transcript-p1.pdf")
    material_file = MaterialFile(title=path.stem, uploaded_by_user=school["teacher"],
                                 collection=library_collection(school["a"]))
    material_file.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    material_file.save()
    return material_file


def submit_material(client, school, material_file):
    """The teacher creates a Toán material in library a and submits it to review, via the admin.

    Returns the followed response (the page the admin redirects to, with its messages).
    """
    client.force_login(school["teacher"])
    url = reverse("wagtailadmin_pages:add", args=("repository", "materialpage", school["index_a"].pk))
    data = nested_form_data({
        "title": "Phân số – Lớp 6", "slug": "phan-so-lop-6", "material_type": "lesson_plan",
        "creators": "Nguyễn Thị Lan", "subject": Subject.TOAN, "grade": "6", "language": "vie",
        "file": str(material_file.pk), "rights": "CC-BY-4.0", "access_level": "public",
        "comments": inline_formset([]), "action-submit": "1",
    })
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert MaterialPage.objects.filter(slug="phan-so-lop-6").exists(), "the material was not created"
    return response


# --- the screens --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_teacher_dashboard_and_menu(school, client):
    client.force_login(school["teacher"])
    text = page_text(client.get(reverse("wagtailadmin_home")))
    assert_vietnamese(
        text,
        present=["Tìm trong mọi trang…", "Tệp học liệu", "Trợ giúp", "Đăng xuất", "Tài khoản",
                 "Hướng dẫn biên tập Wagtail"],
        absent=["Search all pages", ">Documents<", '"Documents"', '"Help"', '"Log out"',
                "editor guide"],
    )


@pytest.mark.django_db
def test_material_add_view(school, client):
    client.force_login(school["teacher"])
    url = reverse("wagtailadmin_pages:add", args=("repository", "materialpage", school["index_a"].pk))
    response = client.get(url)
    assert response.status_code == 200
    assert_vietnamese(
        page_text(response),
        # The footer action menu, the tabs, the title field, the Promote tab, the file chooser.
        present=["Lưu bản nháp", "Gửi duyệt", "Tiêu đề trang", "Tiêu đề trang mà mọi người sẽ thấy",
                 "Nội dung", "Quảng bá", "Đường dẫn", "Cho máy tìm kiếm", "Chọn tệp"],
        absent=["Save draft", "Save Draft", "Page title", "Promote", "Submit to ", "For search engines",
                "Choose a document", "The page title as you"],
    )


@pytest.mark.django_db
def test_document_add_views(school, client):
    client.force_login(school["teacher"])
    single = client.get(reverse("wagtaildocs:add"))
    multiple = client.get(reverse("wagtaildocs:add_multiple"))
    assert single.status_code == multiple.status_code == 200
    assert_vietnamese(page_text(single), present=["Thêm tệp", "Tải lên"],
                      absent=["Add a document", ">Upload<"])
    assert_vietnamese(
        page_text(multiple),
        present=["Thêm tệp", "Kéo thả tệp vào vùng này để tải lên ngay.", "Hoặc chọn tệp trên máy tính"],
        absent=["Add documents", "Drag and drop", "Or choose from your computer"],
    )


@pytest.mark.django_db
def test_submit_and_review_flow(school, client, material_file):
    """Teacher submits, reviewer sees it waiting, sends it back; each step speaks Vietnamese."""
    for name in ("teacher", "reviewer"):
        school[name].email = f"{school[name].username}@truong.edu.vn"
        school[name].save(update_fields=["email"])

    submitted = submit_material(client, school, material_file)
    assert_vietnamese(page_text(submitted),
                      present=["Đã tạo trang “Phân số – Lớp 6” và gửi duyệt."],
                      absent=["created and submitted for moderation"])
    page = MaterialPage.objects.get(slug="phan-so-lop-6")

    teacher_home = page_text(client.get(reverse("wagtailadmin_home")))
    assert_vietnamese(teacher_home,
                      present=["Bài của tôi", "Đang chờ duyệt"],
                      absent=["Your pages and snippets in a workflow", "Awaiting "])

    client.force_login(school["reviewer"])
    reviewer_home = page_text(client.get(reverse("wagtailadmin_home")))
    assert_vietnamese(reviewer_home, present=["Chờ tôi duyệt", page.title],
                      absent=["Awaiting your review", "Task submitted by"])
    edit = page_text(client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))))
    assert_vietnamese(edit, present=["Đang chờ duyệt", "Lưu bản nháp", "Nội dung", "Quảng bá"],
                      absent=["In Moderation", "Save draft", "Page title"])

    mail.outbox.clear()
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "reject", task_state.pk))
    assert client.post(url, {"comment": "Thiếu đáp án."}).status_code in (200, 302)
    to_teacher = [m for m in mail.outbox if school["teacher"].email in m.to]
    assert to_teacher, "the teacher was not told the material was sent back"
    assert "cần chỉnh sửa" in to_teacher[0].subject and "rejected" not in to_teacher[0].subject

    client.force_login(school["teacher"])
    history = page_text(client.get(reverse("wagtailadmin_pages:workflow_history", args=(page.pk,))))
    assert_vietnamese(history, present=["Lịch sử duyệt", "Cần chỉnh sửa"],
                      absent=["Workflow history", "Needs changes"])


@pytest.mark.django_db
def test_login_page(client):
    text = page_text(client.get(reverse("wagtailadmin_login")))
    assert_vietnamese(text, present=["Đăng nhập", "Quên mật khẩu?", "Ghi nhớ đăng nhập", "Nhập mật khẩu"],
                      absent=["Sign in", "Forgotten password?", "Remember me", "Enter password"])


def test_catalogue_takes_precedence_over_wagtails_own():
    """Where Wagtail's vi catalogue words a string differently, Hoclieu's wording wins."""
    with translation.override("vi"):
        assert translation.gettext("Unpublish") == "Huỷ xuất bản"  # Wagtail: "Thu hồi xuất bản"
        assert translation.gettext("Submit for moderation") == "Gửi duyệt"  # "Yêu cầu xem xét"
        assert translation.gettext("Comment") == "Nhận xét"  # "Bình luận"
        assert translation.gettext("Choose a document") == "Chọn tệp"  # "Chọn một văn bản"
        assert translation.gettext("Page '%(page_title)s' has been submitted for moderation.") % {
            "page_title": "Phân số"} == "Đã gửi duyệt trang “Phân số”."
        assert translation.ngettext("%(num)d minute", "%(num)d minutes", 5) % {"num": 5} == "5 phút"


# --- the catalogue ------------------------------------------------------------------------------


def catalogue(domain):
    return read_po(LC_MESSAGES / f"{domain}.po")


@pytest.mark.parametrize("domain", DOMAINS)
def test_header_declares_one_plural_form(domain):
    header = (LC_MESSAGES / f"{domain}.po").read_text(encoding="utf-8")
    assert '"Language: vi\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_translated_with_its_placeholders_and_tags(domain):
    entries = catalogue(domain)
    assert entries
    problems = []
    for entry in entries:
        # Vietnamese has one plural form: msgstr[0] stands for every count, so it carries the
        # placeholders of msgid_plural (a singular may spell "one" instead of %(count)s).
        source = entry.get("msgid_plural") or entry["msgid"]
        where = f"line {entry['line']}: {entry['msgid']!r}"
        if "fuzzy" in entry["flags"]:
            problems.append(f"{where}: fuzzy")
        if len(entry["msgstr"]) != 1 or not entry["msgstr"][0]:
            problems.append(f"{where}: expected one non-empty msgstr, got {entry['msgstr']!r}")
            continue
        msgstr = entry["msgstr"][0]
        if placeholders(msgstr) != placeholders(source):
            problems.append(f"{where}: placeholders {placeholders(msgstr)} != {placeholders(source)}")
        if Counter(HTML_TAG.findall(msgstr)) != Counter(HTML_TAG.findall(source)):
            problems.append(f"{where}: HTML tags differ")
        if source.endswith(" ") != msgstr.endswith(" "):
            problems.append(f"{where}: trailing space differs")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS)
def test_mo_compiled_from_po(domain):
    with open(LC_MESSAGES / f"{domain}.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for entry in catalogue(domain):
        msgid = entry["msgid"] if not entry.get("msgctxt") else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry.get("msgid_plural"):
            got = compiled._catalog.get((msgid, 0))
        else:
            got = compiled._catalog.get(msgid)
        if got != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert not stale, f"recompile the .mo (compilemessages); out of step: {stale[:10]}"


def installed_msgids(domain):
    """(msgctxt, msgid, msgid_plural) of every English catalogue of Wagtail, Django, django-taggit."""
    roots = [Path(wagtail.__file__).parent, Path(django.__file__).parent, Path(taggit.__file__).parent]
    keys = set()
    for root in roots:
        for po in root.glob(f"**/locale/en/LC_MESSAGES/{domain}.po"):
            keys |= {(e.get("msgctxt"), e["msgid"], e.get("msgid_plural")) for e in read_po(po)}
    return keys


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_msgid_is_still_used_by_the_installed_packages(domain):
    """After an upgrade of Wagtail, an entry whose msgid it no longer uses is dead weight here."""
    known = installed_msgids(domain)
    dead = [e["msgid"] for e in catalogue(domain)
            if (e.get("msgctxt"), e["msgid"], e.get("msgid_plural")) not in known]
    assert not dead, f"msgids no longer in Wagtail/Django/taggit: {dead}"
