"""Controlled vocabularies of Hoclieu: material types, subjects, series, access levels, rights.

Codes are stable ASCII identifiers stored in the database; labels are Vietnamese through gettext.
"""

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class MaterialType(models.TextChoices):
    """Material types from DESIGN.md, with their MARC 21 leader/06 (type of record)."""

    LESSON_PLAN = "lesson_plan", _("Giáo án / kế hoạch bài dạy")
    SLIDES = "slides", _("Bài giảng điện tử")
    AUDIOBOOK = "audiobook", _("Sách nói")
    DIGITISED = "digitised", _("Tài liệu số hoá / nội sinh")
    VIDEO = "video", _("Video bài giảng")


class Subject(models.TextChoices):
    """Subjects (môn học) of the 2018 general education programme."""

    TOAN = "toan", _("Toán")
    NGU_VAN = "ngu-van", _("Ngữ văn")
    TIENG_VIET = "tieng-viet", _("Tiếng Việt")
    TIENG_ANH = "tieng-anh", _("Tiếng Anh")
    LICH_SU = "lich-su", _("Lịch sử")
    DIA_LY = "dia-ly", _("Địa lí")
    LICH_SU_DIA_LY = "lich-su-dia-ly", _("Lịch sử và Địa lí")
    KHTN = "khtn", _("Khoa học tự nhiên")
    VAT_LY = "vat-ly", _("Vật lí")
    HOA_HOC = "hoa-hoc", _("Hoá học")
    SINH_HOC = "sinh-hoc", _("Sinh học")
    TIN_HOC = "tin-hoc", _("Tin học")
    CONG_NGHE = "cong-nghe", _("Công nghệ")
    GDCD = "gdcd", _("Giáo dục công dân")
    GDKT_PL = "gdkt-pl", _("Giáo dục kinh tế và pháp luật")
    AM_NHAC = "am-nhac", _("Âm nhạc")
    MI_THUAT = "mi-thuat", _("Mĩ thuật")
    GDTC = "gdtc", _("Giáo dục thể chất")
    HDTN = "hdtn", _("Hoạt động trải nghiệm, hướng nghiệp")
    OTHER = "khac", _("Khác")


class TextbookSeries(models.TextChoices):
    NONE = "", _("Không áp dụng")
    KNTT = "kntt", _("Kết nối tri thức với cuộc sống")
    CTST = "ctst", _("Chân trời sáng tạo")
    CANH_DIEU = "canh-dieu", _("Cánh diều")


class AccessLevel(models.TextChoices):
    """Who may see a published material (DESIGN.md: school / group / public)."""

    SCHOOL = "school", _("Trong trường")
    GROUP = "group", _("Trong liên thông thư viện")
    PUBLIC = "public", _("Công khai")


class Rights(models.TextChoices):
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("Bảo lưu mọi quyền")
    CC_BY = "CC-BY-4.0", _("CC BY 4.0")
    CC_BY_SA = "CC-BY-SA-4.0", _("CC BY-SA 4.0")
    CC_BY_NC = "CC-BY-NC-4.0", _("CC BY-NC 4.0")
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", _("CC BY-NC-SA 4.0")
    PUBLIC_DOMAIN = "public-domain", _("Phạm vi công cộng")


RIGHTS_URLS = {
    Rights.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Rights.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Rights.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
    Rights.CC_BY_NC_SA: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    Rights.PUBLIC_DOMAIN: "https://creativecommons.org/publicdomain/mark/1.0/",
}


class Semester(models.IntegerChoices):
    FIRST = 1, _("Học kì I")
    SECOND = 2, _("Học kì II")


class Language(models.TextChoices):
    """MARC 21 language codes (https://www.loc.gov/marc/languages/)."""

    VIE = "vie", _("Tiếng Việt")
    ENG = "eng", _("Tiếng Anh")
    FRE = "fre", _("Tiếng Pháp")
    CHI = "chi", _("Tiếng Trung")
    JPN = "jpn", _("Tiếng Nhật")
    KOR = "kor", _("Tiếng Hàn")
    RUS = "rus", _("Tiếng Nga")
    GER = "ger", _("Tiếng Đức")


class TranscriptLanguage(models.TextChoices):
    """The language a material's speech is transcribed in: an ISO 639-1 code Whisper takes, or
    "auto" to let Whisper detect it (media_pipeline.speech.transcribe with language=None)."""

    VI = "vi", _("Tiếng Việt")
    EN = "en", _("Tiếng Anh")
    AUTO = "auto", _("Tự nhận biết ngôn ngữ")


def grade_label(grade):
    """The label of school grade `grade` (1–12) in the active language, e.g. "Lớp 6"."""
    return gettext("Lớp %(grade)d") % {"grade": grade}


# Labels are lazy so that they follow the reader's language, not the one active at import.
GRADE_CHOICES = [(g, lazy(grade_label, str)(g)) for g in range(1, 13)]


class Role(models.TextChoices):
    """Roles of a library's people; each is a Wagtail group per library (see LibraryRoleGroup)."""

    TEACHER = "teacher", _("Giáo viên")
    REVIEWER = "reviewer", _("Tổ chuyên môn")
    PRINCIPAL = "principal", _("Ban giám hiệu")
    LIBRARIAN = "librarian", _("Cán bộ thư viện")
    STUDENT = "student", _("Học sinh")


STAFF_ROLES = (Role.TEACHER, Role.REVIEWER, Role.PRINCIPAL, Role.LIBRARIAN)


class ReviewChain(models.TextChoices):
    """The review steps a library asks of its materials (the site's workflow runs them in order:
    repository.models.workflows)."""

    SUBJECT_GROUP = "subject_group", _("Tổ chuyên môn duyệt")
    SUBJECT_GROUP_PRINCIPAL = "subject_group_principal", _("Tổ chuyên môn duyệt, rồi ban giám hiệu ký duyệt")
