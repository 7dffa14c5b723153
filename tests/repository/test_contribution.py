"""The semester contribution list (issue 9, item 5): which materials count, the XLSX and the PDF ready to
stamp, `manage.py contribution_list`, each library's quota and progress, and who may see and download.

Known data for library a (THCS-ND), school year 2025-2026, semester I (1 Sep 2025 – 15 Jan 2026):
two materials first approved inside the period (one on its last evening), one the morning after it
ends, one before it starts, one approved again inside it after a first approval the year before,
one still in review, and one of library b approved inside it.
"""

import subprocess
import unicodedata
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import TaskState

from repository.choices import Role
from repository.contributions import (
    InvalidPeriod,
    contribution_file,
    contribution_list,
    contribution_progress,
    current_period,
    semester_period,
)
from repository.models import DerivativeKind, MaterialPage
from repository.roles import add_member
from tests.helpers import set_derivative

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Danh sách học liệu điện tử đóng góp"


def at(*args):
    return datetime(*args, tzinfo=HANOI)


def nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def approve(school, upload):
    """approve(title, when, library="a", reviewer="reviewer", subject="toan", again=None) -> MaterialPage:
    a teacher's material submitted to the review workflow and approved by `reviewer`, its approval
    dated `when`; with `again`, edited, resubmitted and approved a second time, dated `again`."""

    def _review(page, reviewer, when):
        page.get_workflow().start(page, page.owner)
        state = MaterialPage.objects.get(pk=page.pk).current_workflow_task_state
        state.approve(user=school[reviewer], comment="")
        TaskState.objects.filter(
            workflow_state=state.workflow_state, status=TaskState.STATUS_APPROVED
        ).update(finished_at=when)

    def _approve(title, when, library="a", reviewer="reviewer", subject="toan", owner="teacher", again=None):
        owner = school[owner]
        page = MaterialPage(
            title=title,
            slug=f"m{MaterialPage.objects.count()}",
            material_type="lesson_plan",
            creators="Nguyễn Thị Lan",
            subject=subject,
            grade=6,
            access_level="school",
            file=upload(owner),
            owner=owner,
            live=False,
        )
        school[f"index_{library}"].add_child(instance=page)
        page.save_revision(user=owner)
        _review(page, reviewer, when)
        if again is not None:
            page = MaterialPage.objects.get(pk=page.pk)
            page.save_revision(user=owner)
            _review(page, reviewer, again)
        return MaterialPage.objects.get(pk=page.pk)

    return _approve


@pytest.fixture
def known(school, approve, upload):
    """The known data of the module docstring; library a's quota is 4."""
    pages = {
        "inside": approve("Phân số – Lớp 6", at(2025, 10, 10, 9)),
        "last_evening": approve(
            "Ôn tập cuối học kì: Tiếng Việt", at(2026, 1, 15, 23, 30), subject="ngu-van", reviewer="teacher2"
        ),
        "after": approve("Số thập phân", at(2026, 1, 16, 0, 10)),
        "before": approve("Hè vui học Toán", at(2025, 8, 20, 10)),
        "again": approve("Hình học trực quan", at(2025, 4, 1, 10), again=at(2025, 11, 1, 10)),
        "other_library": approve(
            "Phân số (Lê Lợi)", at(2025, 10, 10, 9), library="b", reviewer="reviewer_b", owner="reviewer_b"
        ),
    }
    in_review = MaterialPage(
        title="Đang chờ duyệt",
        slug="dang-cho",
        material_type="lesson_plan",
        creators="X",
        subject="toan",
        file=upload(school["teacher"]),
        owner=school["teacher"],
        live=False,
    )
    school["index_a"].add_child(instance=in_review)
    in_review.save_revision(user=school["teacher"])
    in_review.get_workflow().start(in_review, school["teacher"])
    set_derivative(
        pages["inside"].file,
        DerivativeKind.SIGNED_PDF,
        b"%PDF-1.7 signed",
        name="signed.pdf",
        metadata={"signer": {"signer_name": "Hoàng Văn Bình"}},
    )
    school["a"].contribution_quota = 4
    school["a"].save(update_fields=["contribution_quota"])
    return pages


PERIOD = ("2025-2026", 1)


def test_semester_periods_from_the_setting(settings):
    first = semester_period("2025-2026", 1)
    assert (first.start, first.end) == (date(2025, 9, 1), date(2026, 1, 15))
    second = semester_period("2025-2026", "2")
    assert (second.start, second.end) == (date(2026, 1, 16), date(2026, 5, 31))
    for year, semester in (("2025-2027", 1), ("2025", 1), ("2025-2026", 3), ("2025-2026", "x")):
        with pytest.raises(InvalidPeriod):
            semester_period(year, semester)
    assert current_period(date(2026, 12, 7)) == semester_period("2026-2027", 1)
    assert current_period(date(2026, 3, 1)) == semester_period("2025-2026", 2)
    assert current_period(date(2026, 7, 1)) == semester_period("2025-2026", 2)  # summer: the latest begun
    settings.HOCLIEU_SEMESTERS = {
        1: {"start": "09-05", "end": "01-18"},
        2: {"start": "01-19", "end": "05-25"},
    }
    assert semester_period("2025-2026", 1).start == date(2025, 9, 5)


def test_list_holds_materials_first_approved_in_the_period(school, known):
    clist = contribution_list(school["a"], semester_period(*PERIOD))
    assert [row.title for row in clist.rows] == ["Phân số – Lớp 6", "Ôn tập cuối học kì: Tiếng Việt"]
    assert [row.number for row in clist.rows] == [1, 2]
    first, second = clist.rows
    assert first.material_type == "Giáo án / kế hoạch bài dạy"
    assert (first.subject, first.grade) == ("Toán", "Lớp 6")
    assert first.teacher == "Nguyễn Thị Lan"  # Vietnamese order: family, middle, given name
    assert first.subject_group == "Toán - Tin"
    assert first.reviewers == "tt_toan"
    assert first.approved_at.date() == date(2025, 10, 10)
    assert first.signed and not second.signed
    assert second.subject_group == "Ngữ văn" and second.reviewers == "gv_van"
    assert second.approved_at.date() == date(2026, 1, 15)
    assert clist.quota == 4

    second_semester = contribution_list(school["a"], semester_period("2025-2026", 2))
    assert [row.title for row in second_semester.rows] == ["Số thập phân"]
    # Withdrawn materials are no contribution.
    known["inside"].unpublish()
    assert [row.title for row in contribution_list(school["a"], semester_period(*PERIOD)).rows] == [
        "Ôn tập cuối học kì: Tiếng Việt"
    ]


def test_xlsx_reads_back(school, known):
    content, name, content_type = contribution_file(school["a"], *PERIOD, "xlsx")
    assert name == "dong-gop-THCS-ND-2025-2026-hk1.xlsx"
    assert content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "THCS Nguyễn Du"
    assert values[1][0] == TITLE
    assert "Học kì I, năm học 2025-2026" in values[2][0]
    assert values[3][0] == "Số học liệu: 2 / chỉ tiêu 4"
    headings = values[5]
    assert headings[:3] == ("STT", "Tên học liệu", "Loại")
    rows = [row for row in values[6:] if row[0] is not None]
    assert [(row[0], row[1]) for row in rows] == [
        (1, "Phân số – Lớp 6"),
        (2, "Ôn tập cuối học kì: Tiếng Việt"),
    ]
    assert rows[0][7].date() == date(2025, 10, 10)
    assert rows[0][6] == "Toán - Tin" and rows[0][8] == "tt_toan"
    assert (rows[0][9], rows[1][9]) == ("Đã ký số", "Chưa ký số")


def test_pdf_is_vietnamese_with_its_font_embedded(school, known, tmp_path):
    content, name, content_type = contribution_file(school["a"], *PERIOD, "pdf")
    assert content_type == "application/pdf" and name.endswith(".pdf")
    path = tmp_path / name
    path.write_bytes(content)
    with pdfplumber.open(path) as pdf:
        text = nfc("\n".join(page.extract_text() for page in pdf.pages))
    for expected in (
        "THCS NGUYỄN DU",
        TITLE.upper(),
        "Học kì I, năm học 2025-2026",
        "từ ngày 01/09/2025 đến ngày 15/01/2026",
        "Phân số – Lớp 6",
        "Ôn tập cuối học kì: Tiếng Việt",
        "Cán bộ thư viện",
        "Hiệu trưởng",
        "(Ký, ghi rõ họ tên, đóng dấu)",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Quận 1, ngày",
        "Toán - Tin",
        "10/10/2025",
    ):
        assert nfc(expected) in text, expected
    assert "Số thập phân" not in text and "Lê Lợi" not in text
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    lines = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert lines and all("DejaVuSerif" in line for line in lines), fonts
    # pdffonts columns: name type encoding emb sub uni object ID; every font embedded, with ToUnicode.
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in lines), fonts


def test_empty_period_still_makes_a_list(school, known):
    content, _name, _type = contribution_file(school["outsider"], *PERIOD, "pdf")
    with pdfplumber.open(BytesIO(content)) as pdf:
        text = nfc(pdf.pages[0].extract_text())
    assert "Không có học liệu nào được duyệt trong học kì này." in text


def test_command_writes_the_same_lists(school, known, tmp_path):
    xlsx, pdf = tmp_path / "list.xlsx", tmp_path / "list.pdf"
    for file_format, path in (("xlsx", xlsx), ("pdf", pdf)):
        call_command("contribution_list", "--library", "THCS-ND", "--school-year", "2025-2026",
                     "--semester", "1", "--format", file_format, "-o", str(path))
    sheet = load_workbook(xlsx).active
    assert [row[1] for row in sheet.iter_rows(min_row=7, values_only=True)] == [
        "Phân số – Lớp 6",
        "Ôn tập cuối học kì: Tiếng Việt",
    ]
    with pdfplumber.open(pdf) as document:
        assert nfc(TITLE.upper()) in nfc(document.pages[0].extract_text())
    with pytest.raises(CommandError):
        call_command(
            "contribution_list",
            "--library",
            "KHONG-CO",
            "--school-year",
            "2025-2026",
            "--semester",
            "1",
            "--format",
            "pdf",
            "-o",
            str(pdf),
        )
    with pytest.raises(CommandError):
        call_command(
            "contribution_list",
            "--library",
            "THCS-ND",
            "--school-year",
            "2025-2027",
            "--semester",
            "1",
            "--format",
            "pdf",
            "-o",
            str(pdf),
        )


def test_progress_against_the_quota(school, known):
    progress = {
        p.library.code: p for p in contribution_progress([school["a"], school["b"]], semester_period(*PERIOD))
    }
    assert (progress["THCS-ND"].count, progress["THCS-ND"].quota, progress["THCS-ND"].percent) == (2, 4, 50)
    assert not progress["THCS-ND"].reached
    assert (progress["THCS-LL"].count, progress["THCS-LL"].quota, progress["THCS-LL"].percent) == (
        1,
        None,
        None,
    )


# --- the admin screen: who sees, downloads and sets what -------------------------------------------------


def screen(client, user, **params):
    client.force_login(user)
    return client.get(
        reverse("hoclieu_contributions"), {"school_year": "2025-2026", "semester": "1", **params}
    )


def download(client, user, library, file_format="xlsx"):
    client.force_login(user)
    return client.get(reverse("hoclieu_contribution_list", args=[library.pk, "2025-2026", 1, file_format]))


def rows_of(response):
    html = response.content.decode()
    return {code for code in ("THCS-ND", "THCS-LL", "THPT-XA") if f'data-library="{code}"' in html}


def test_librarian_and_principal_see_download_and_set_their_own(school, known, client):
    for role in ("librarian", "principal"):
        response = screen(client, school[role])
        assert response.status_code == 200
        assert rows_of(response) == {"THCS-ND"}
        html = response.content.decode()
        assert "<h1" in html and "Đóng góp học liệu" in html.split("<h1", 1)[1].split("</h1>", 1)[0]
        assert 'data-count="2"' in html and "2 / 4 học liệu (50%)" in html
        assert reverse("hoclieu_contribution_list", args=[school["a"].pk, "2025-2026", 1, "pdf"]) in html
        response = download(client, school[role], school["a"], "pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert 'filename="dong-gop-THCS-ND-2025-2026-hk1.pdf"' in response["Content-Disposition"]

    response = client.post(
        reverse("hoclieu_contributions"),
        {"library": school["a"].pk, f"l{school['a'].pk}-contribution_quota": "6"},
    )
    assert response.status_code == 302
    school["a"].refresh_from_db()
    assert school["a"].contribution_quota == 6
    # Another library's quota: 404, unchanged.
    response = client.post(
        reverse("hoclieu_contributions"),
        {"library": school["b"].pk, f"l{school['b'].pk}-contribution_quota": "9"},
    )
    assert response.status_code == 404
    school["b"].refresh_from_db()
    assert school["b"].contribution_quota is None


def test_others_are_refused(school, known, client):
    add_member(
        librarian_b := get_user_model().objects.create_user("thuvien_b", password="pw"),
        school["b"],
        Role.LIBRARIAN,
    )
    # Another library's librarian: the list of a is 404, in both formats.
    for file_format in ("xlsx", "pdf"):
        assert download(client, librarian_b, school["a"], file_format).status_code == 404
    assert rows_of(screen(client, librarian_b)) == {"THCS-LL"}
    # Teachers, reviewers, students: neither the screen nor a list.
    for who in ("teacher", "reviewer", "student", "reviewer_b", "student_outsider"):
        response = screen(client, school[who])
        assert response.status_code in (302, 403, 404), who
        assert download(client, school[who], school["a"]).status_code in (302, 403, 404), who
        response = client.post(
            reverse("hoclieu_contributions"),
            {"library": school["a"].pk, f"l{school['a'].pk}-contribution_quota": "1"},
        )
        assert response.status_code in (302, 403, 404), who
    school["a"].refresh_from_db()
    assert school["a"].contribution_quota == 4
    client.logout()
    response = client.get(reverse("hoclieu_contribution_list", args=[school["a"].pk, "2025-2026", 1, "xlsx"]))
    assert response.status_code == 302 and reverse("wagtailadmin_login") in response["Location"]
    # Nonsense periods and formats are 404 for those who may download.
    for args in (
        (school["a"].pk, "2025-2027", 1, "pdf"),
        (school["a"].pk, "2025-2026", 3, "pdf"),
        (school["a"].pk, "2025-2026", 1, "docx"),
    ):
        client.force_login(school["librarian"])
        assert client.get(reverse("hoclieu_contribution_list", args=args)).status_code == 404


def test_hub_sees_every_members_progress_but_downloads_only_its_own(school, known, client):
    network = school["network"]
    network.hub = school["b"]
    network.full_clean()
    network.save()
    hub_librarian = get_user_model().objects.create_user("thuvien_daumoi", password="pw")
    add_member(hub_librarian, school["b"], Role.LIBRARIAN)
    response = screen(client, hub_librarian)
    assert response.status_code == 200
    assert rows_of(response) == {"THCS-ND", "THCS-LL"}  # not the library outside the network
    html = response.content.decode()
    assert "2 / 4 học liệu (50%)" in html
    assert reverse("hoclieu_contribution_list", args=[school["a"].pk, "2025-2026", 1, "xlsx"]) not in html
    assert download(client, hub_librarian, school["a"]).status_code == 404
    assert download(client, hub_librarian, school["b"]).status_code == 200
    # The hub cannot set a member's quota.
    response = client.post(
        reverse("hoclieu_contributions"),
        {"library": school["a"].pk, f"l{school['a'].pk}-contribution_quota": "1"},
    )
    assert response.status_code == 404
    # A member's librarian does not see the other members.
    assert rows_of(screen(client, school["librarian"])) == {"THCS-ND"}


def test_hub_must_be_a_member(school):
    network = school["network"]
    network.hub = school["outsider"]
    with pytest.raises(ValidationError):
        network.full_clean()


def test_superuser_sees_and_downloads_every_library(school, known, client):
    admin = get_user_model().objects.create_superuser("quantri", password="pw")
    assert rows_of(screen(client, admin)) == {"THCS-ND", "THCS-LL", "THPT-XA"}
    assert download(client, admin, school["b"]).status_code == 200


def test_superuser_chooses_the_hub_among_the_members(school, client):
    client.force_login(get_user_model().objects.create_superuser("quantri", password="pw"))
    network = school["network"]
    url = reverse("library_networks:edit", args=[network.pk])
    form = client.get(url).context["form"]
    assert set(form.fields["hub"].queryset) == {school["a"], school["b"]}
    response = client.post(url, {"name": network.name, "code": network.code, "hub": school["outsider"].pk})
    assert response.status_code == 200
    network.refresh_from_db()
    assert network.hub is None
    response = client.post(url, {"name": network.name, "code": network.code, "hub": school["b"].pk})
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.hub == school["b"]
