"""The semester contribution list (danh sách học liệu điện tử đóng góp) and each library's progress.

Each semester every member of a library network contributes e-learning materials approved by its
subject group and sends the hub a list of them, stamped by the school (DESIGN.md). The rules here:

- Semesters: HOCLIEU_SEMESTERS gives each semester's first and last day as "MM-DD"; a month from
  August on falls in the first calendar year of the school year ("2025-2026" → 2025), January to July
  in the second. Days are those of the site's time zone (TIME_ZONE).
- A material counts in the semester in which its *first* review was finally approved: the latest
  approved step (TaskState.finished_at) of its earliest approved Wagtail WorkflowState. A material
  approved again after later edits does not count a second time. It must still be published (live);
  a withdrawn material is not a contribution. Materials published without review (a librarian's
  batch import) are not on the list.
- The list names, for each material, its title, type, subject, grade, teacher (who submitted it),
  subject group, date approved, reviewers (who approved each step) and whether its file carries a
  digital signature (repository.signatures).

`contribution_list` gathers a ContributionList; `as_xlsx` and `as_pdf` write it; `contribution_file`
does both steps for the admin's download and `manage.py contribution_list`.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Max, Q
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from wagtail.models import Page, TaskState, WorkflowState

from .choices import Semester, grade_label
from .models import MaterialPage, SubjectGroup
from .signatures import person_name, signature_summary

#: The fonts of the PDF (Debian fonts-dejavu-core): every Vietnamese letter with its tone mark,
#: embedded as a subset so the list prints and reads back the same anywhere.
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
PDF_FONT = "DejaVuSerif"
PDF_FONT_FILES = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf"}

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")
FIRST_MONTH_OF_SCHOOL_YEAR = 8


class InvalidPeriod(ValueError):
    """A school year or semester that names no period (message in the active language)."""


@dataclass(frozen=True)
class Period:
    """One semester of one school year: `school_year` ("2025-2026"), `semester` (1 or 2), `start`
    and `end` (dates, both inclusive)."""

    school_year: str
    semester: int
    start: date
    end: date

    @property
    def label(self):
        """ "Học kì I, năm học 2025-2026" in the active language."""
        return _("%(semester)s, năm học %(year)s") % {
            "semester": Semester(self.semester).label,
            "year": self.school_year,
        }

    def bounds(self):
        """(first instant, first instant after) of the period, aware datetimes in TIME_ZONE."""
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def _day(month_day, first_year):
    month, day = (int(part) for part in month_day.split("-"))
    return date(first_year if month >= FIRST_MONTH_OF_SCHOOL_YEAR else first_year + 1, month, day)


def semester_period(school_year, semester):
    """The Period of `semester` (1 or 2, int or str) of `school_year` ("2025-2026"), from
    HOCLIEU_SEMESTERS. Raises InvalidPeriod for a school year not of the form YYYY-(YYYY+1) or a
    semester the setting does not define."""
    match = SCHOOL_YEAR_RE.match(str(school_year or ""))
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise InvalidPeriod(_("Năm học có dạng 2025-2026 (hai năm liền nhau)."))
    try:
        semester = int(semester)
        days = settings.HOCLIEU_SEMESTERS[semester]
    except (KeyError, TypeError, ValueError):
        raise InvalidPeriod(_("Học kì là 1 hoặc 2.")) from None
    first_year = int(match.group(1))
    return Period(school_year, semester, _day(days["start"], first_year), _day(days["end"], first_year))


def current_period(today=None):
    """The Period holding `today` (default: today in TIME_ZONE), or, between semesters (the summer),
    the latest one that has begun."""
    today = today or timezone.localdate()
    candidates = []
    for first_year in (today.year - 1, today.year):
        for semester in sorted(settings.HOCLIEU_SEMESTERS):
            period = semester_period(f"{first_year}-{first_year + 1}", semester)
            if period.start <= today:
                candidates.append(period)
    containing = [period for period in candidates if period.end >= today]
    return (containing or sorted(candidates, key=lambda period: period.start))[-1]


# --- which materials count -------------------------------------------------------------------------


def first_approvals(library_ids):
    """{MaterialPage pk: (approved_at, WorkflowState)} of the live materials of the libraries
    `library_ids`: the final approval (latest approved step) of each material's earliest approved
    review."""
    material_ids = (
        MaterialPage.objects.live()
        .filter(library_id__in=library_ids)
        .annotate(pk_text=Cast("pk", CharField()))
        .values("pk_text")
    )
    states = (
        WorkflowState.objects.filter(
            status=WorkflowState.STATUS_APPROVED,
            object_id__in=material_ids,
            base_content_type=ContentType.objects.get_for_model(Page),
        )
        .annotate(
            approved_at=Max(
                "task_states__finished_at", filter=Q(task_states__status=TaskState.STATUS_APPROVED)
            )
        )
        .filter(approved_at__isnull=False)
        .select_related("requested_by")
        .order_by("created_at", "pk")
    )
    approvals = {}
    for state in states:
        approvals.setdefault(int(state.object_id), (state.approved_at, state))
    return approvals


def contributed_in(library_ids, period):
    """{MaterialPage pk: (approved_at, WorkflowState)} of the materials of `library_ids` whose first
    approval falls in `period` (first_approvals)."""
    start, after = period.bounds()
    return {
        pk: approval for pk, approval in first_approvals(library_ids).items() if start <= approval[0] < after
    }


@dataclass(frozen=True)
class ContributionRow:
    """One line of the list; every text in the active language, NFC."""

    number: int
    title: str
    material_type: str
    subject: str
    grade: str
    teacher: str
    subject_group: str
    approved_at: datetime
    reviewers: str
    signed: bool
    page_id: int


@dataclass(frozen=True)
class ContributionList:
    """The list of `library` for `period`: `rows` (ContributionRow, by date approved), the library's
    `quota` (None when it has none) and the day it was made (`made_on`)."""

    library: object
    period: Period
    rows: list = field(default_factory=list)
    quota: int | None = None
    made_on: date | None = None


def _name(user):
    return person_name(user) if user is not None else ""


def _nfc(text):
    return unicodedata.normalize("NFC", str(text or ""))


def contribution_list(library, period):
    """The ContributionList of `library` (a Library) for `period` (a Period)."""
    approvals = contributed_in([library.pk], period)
    pages = MaterialPage.objects.filter(pk__in=approvals).select_related("file", "owner").in_bulk()
    reviewers = {}
    for state in (
        TaskState.objects.filter(
            workflow_state__in=[state for _at, state in approvals.values()], status=TaskState.STATUS_APPROVED
        )
        .select_related("finished_by")
        .order_by("finished_at", "pk")
    ):
        names = reviewers.setdefault(state.workflow_state_id, [])
        if state.finished_by is not None and _name(state.finished_by) not in names:
            names.append(_name(state.finished_by))
    groups = {}
    rows = []
    ordered = sorted(approvals.items(), key=lambda item: (item[1][0], pages[item[0]].title))
    for number, (pk, (approved_at, state)) in enumerate(ordered, start=1):
        page = pages[pk]
        if page.subject not in groups:
            group = SubjectGroup.for_subject(library, page.subject)
            groups[page.subject] = group.name if group else ""
        rows.append(
            ContributionRow(
                number=number,
                title=_nfc(page.title),
                material_type=_nfc(page.get_material_type_display()),
                subject=_nfc(page.get_subject_display()),
                grade=_nfc(grade_label(page.grade) if page.grade else ""),
                teacher=_nfc(_name(state.requested_by or page.owner)),
                subject_group=_nfc(groups[page.subject]),
                approved_at=timezone.localtime(approved_at),
                reviewers=_nfc(", ".join(reviewers.get(state.pk, []))),
                signed=signature_summary(page.file) is not None,
                page_id=pk,
            )
        )
    return ContributionList(
        library=library,
        period=period,
        rows=rows,
        quota=library.contribution_quota,
        made_on=timezone.localdate(),
    )


@dataclass(frozen=True)
class Progress:
    """A library's contributions in a period against its quota: `count`, `quota` (None: none set),
    `percent` (0–100, None without a quota)."""

    library: object
    count: int
    quota: int | None

    @property
    def percent(self):
        if not self.quota:
            return None
        return min(100, round(100 * self.count / self.quota))

    @property
    def reached(self):
        return bool(self.quota) and self.count >= self.quota


def contribution_progress(libraries, period):
    """[Progress] of each of `libraries` (Library objects) in `period`; counts are those of the list."""
    libraries = list(libraries)
    counted = contributed_in([library.pk for library in libraries], period)
    by_library = {}
    for library_id in MaterialPage.objects.filter(pk__in=counted).values_list("library_id", flat=True):
        by_library[library_id] = by_library.get(library_id, 0) + 1
    return [
        Progress(library, by_library.get(library.pk, 0), library.contribution_quota) for library in libraries
    ]


# --- writing it ----------------------------------------------------------------------------------


def _headings():
    return [
        _("STT"),
        _("Tên học liệu"),
        _("Loại"),
        _("Môn học"),
        _("Khối lớp"),
        _("Giáo viên"),
        _("Tổ chuyên môn"),
        _("Ngày duyệt"),
        _("Người duyệt"),
        _("Ký số"),
    ]


def _row_values(row):
    """The list's columns for `row`, in the order of _headings(): number (int), title, type,
    subject, grade, teacher, subject group, date approved (a date), reviewers, signed or not."""
    return [row.number, row.title, row.material_type, row.subject, row.grade, row.teacher,
            row.subject_group, row.approved_at.date(), row.reviewers, _signed_label(row)]


def _signed_label(row):
    return _("Đã ký số") if row.signed else _("Chưa ký số")


def _count_line(clist):
    if clist.quota:
        return _("Số học liệu: %(count)d / chỉ tiêu %(quota)d") % {
            "count": len(clist.rows),
            "quota": clist.quota,
        }
    return _("Số học liệu: %(count)d") % {"count": len(clist.rows)}


def _period_line(period):
    return _("%(period)s (từ ngày %(start)s đến ngày %(end)s)") % {
        "period": period.label,
        "start": period.start.strftime("%d/%m/%Y"),
        "end": period.end.strftime("%d/%m/%Y"),
    }


def as_xlsx(clist):
    """The list as an Office Open XML workbook (bytes): the library, title, period and count above a
    table with one row per material; dates are date cells (dd/mm/yyyy)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"HK{clist.period.semester} {clist.period.school_year}"
    bold = Font(bold=True)
    header = [
        clist.library.name,
        _("Danh sách học liệu điện tử đóng góp"),
        _period_line(clist.period),
        _count_line(clist),
    ]
    for row_number, text in enumerate(header, start=1):
        sheet.cell(row=row_number, column=1, value=_nfc(text)).font = Font(bold=row_number <= 2)
    heading_row = len(header) + 2
    for column, text in enumerate(_headings(), start=1):
        sheet.cell(row=heading_row, column=column, value=text).font = bold
    for offset, row in enumerate(clist.rows, start=1):
        for column, value in enumerate(_row_values(row), start=1):
            cell = sheet.cell(row=heading_row + offset, column=column, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=heading_row + offset, column=8).number_format = "DD/MM/YYYY"
    for column, width in enumerate((6, 48, 24, 16, 9, 22, 22, 12, 30, 12), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=heading_row + 1, column=1)
    if clist.rows:
        sheet.auto_filter.ref = f"A{heading_row}:J{heading_row + len(clist.rows)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _place_and_date(clist):
    made_on = clist.made_on or timezone.localdate()
    place = clist.library.district or clist.library.province or "……"
    return _("%(place)s, ngày %(day)02d tháng %(month)02d năm %(year)d") % {
        "place": place,
        "day": made_on.day,
        "month": made_on.month,
        "year": made_on.year,
    }


def as_pdf(clist):
    """The list as a PDF (bytes) ready to print and stamp: A4 landscape, the library's name and the
    national motto, place and date, the title, the period, a numbered table (headings repeated on
    each page), and the signature lines of the librarian and of the principal (who stamps). Text in
    DejaVu Serif, embedded, so Vietnamese diacritics print and extract as written."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    for style, filename in PDF_FONT_FILES.items():
        pdf.add_font(PDF_FONT, style, f"{FONT_DIR}/{filename}")
    title = _("Danh sách học liệu điện tử đóng góp")
    pdf.set_title(_nfc(f"{title} – {clist.library.name} – {clist.period.label}"))
    pdf.set_creator("Hoclieu")
    pdf.set_lang("vi")
    pdf.add_page()
    width = pdf.epw / 2

    def line(text, style="", size=11, align="C", x=None, w=width):
        if x is not None:
            pdf.set_x(x)
        pdf.set_font(PDF_FONT, style, size)
        pdf.multi_cell(w, 6, _nfc(text), align=align, new_x="LMARGIN", new_y="NEXT")

    top = pdf.get_y()
    line(clist.library.name.upper(), "B")
    left_bottom = pdf.get_y()
    pdf.set_y(top)
    line(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), "B", x=pdf.l_margin + width)
    line(_("Độc lập - Tự do - Hạnh phúc"), "B", x=pdf.l_margin + width)
    line(_place_and_date(clist), x=pdf.l_margin + width)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)
    line(title.upper(), "B", size=14, w=pdf.epw)
    line(_period_line(clist.period), w=pdf.epw)
    line(
        _("Thư viện: %(library)s (%(code)s). %(count)s")
        % {"library": clist.library.name, "code": clist.library.code, "count": _count_line(clist)},
        w=pdf.epw,
    )
    pdf.ln(4)

    pdf.set_font(PDF_FONT, "", 9)
    with pdf.table(
        col_widths=(10, 62, 28, 22, 14, 30, 28, 20, 38, 18),
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=4.6,
        padding=1,
    ) as table:
        heading = table.row()
        for text in _headings():
            heading.cell(text)
        for row in clist.rows:
            cells = table.row()
            for value in _row_values(row):
                cells.cell(_nfc(value.strftime("%d/%m/%Y") if isinstance(value, date) else value))
        if not clist.rows:
            table.row().cell(_("Không có học liệu nào được duyệt trong học kì này."), colspan=10)

    if pdf.get_y() > pdf.eph - 30:
        pdf.add_page()
    pdf.ln(8)
    top = pdf.get_y()
    line(_("Cán bộ thư viện"), "B")
    line(_("(Ký, ghi rõ họ tên)"), size=10)
    pdf.set_y(top)
    line(_("Hiệu trưởng"), "B", x=pdf.l_margin + width)
    line(_("(Ký, ghi rõ họ tên, đóng dấu)"), size=10, x=pdf.l_margin + width)
    return bytes(pdf.output())


def contribution_file(library, school_year, semester, file_format, language=None):
    """(bytes, file name, content type) of `library`'s list for `semester` of `school_year` in
    `file_format` ("xlsx" or "pdf"), written in `language` (default LANGUAGE_CODE: Vietnamese, the
    language of the stamped document). Raises InvalidPeriod, or ValueError for another format."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}: xlsx or pdf")
    with translation.override(language or settings.LANGUAGE_CODE):
        clist = contribution_list(library, semester_period(school_year, semester))
        content = as_xlsx(clist) if file_format == "xlsx" else as_pdf(clist)
    name = f"dong-gop-{library.code}-{school_year}-hk{int(semester)}.{file_format}"
    return content, name, FORMATS[file_format]
