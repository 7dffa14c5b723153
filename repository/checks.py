"""System checks: the external programs Hoclieu runs, found or not, their versions, what needs them.

Reported at start-up and by `manage.py check` rather than at the first upload:

- hoclieu.W001 (Warning), one per program not found (or tesseract without its Vietnamese data),
  naming the program, where it was looked for and what stops working without it;
- hoclieu.I001 (Info), one line listing the versions found.

`manage.py media_tools` prints the same as a table (repository/management/commands/media_tools.py).
The programs, their Debian packages and their uses are listed once, in `media_tools()`.
"""

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.checks import Info, Warning, register
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

VERSION_TIMEOUT = 10  # seconds a program may take to print its version
TESSERACT_LANGUAGES = ("vie",)

# "ffmpeg version 5.1.9-0+deb12u1", "pdftoppm version 22.12.0", "ffmpeg version n6.1.1" or
# "N-113684-g1c8e6b4e" (FFmpeg's release and git builds): the number after the word "version".
_AFTER_VERSION = re.compile(r"\bversion:?\s+((?:[nN]-?)?\d\S*)", re.IGNORECASE)
# "tesseract 5.3.0", "Chromium 156.0.8078.79 built on", "SoX v14.4.2", "text-to-speech: 1.51":
# the first dotted number.
_DOTTED_NUMBER = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+[\w.+~-]*)")


@dataclass(frozen=True)
class MediaTool:
    """An external program: `name`, the `commands` tried in turn on PATH (unless the Django setting
    `setting` or the environment variable `env` names it), the arguments printing its version, its
    Debian `package` (`installed_by_make` when the Makefile's APT_PACKAGES has it), what it is
    `needed_for` and what stops `without` it (both translatable), and the tesseract `languages` it
    must have."""

    name: str
    commands: tuple
    version_args: tuple
    package: str
    needed_for: str
    without: str
    setting: str | None = None
    env: str | None = None
    languages: tuple = ()
    installed_by_make: bool = True

    def candidates(self):
        """The commands to look for: the setting's value, the environment variable's, or `commands`
        (also when the setting is empty: the work it turns off is still reported)."""
        if self.setting and getattr(settings, self.setting):
            return (str(getattr(settings, self.setting)),)
        if self.env and os.environ.get(self.env):
            return (os.environ[self.env],)
        return self.commands

    def where(self):
        """Where the program was looked for, in words."""
        if self.setting and getattr(settings, self.setting):
            return _("thiết lập %(setting)s") % {"setting": self.setting}
        if self.env and os.environ.get(self.env):
            return _("biến môi trường %(env)s") % {"env": self.env}
        return _("trong PATH")

    def hint(self):
        """How to provide the program, in words."""
        if self.installed_by_make:
            install = _("Cài gói Debian %(package)s (make demo và make test tự cài).")
        else:
            install = _("Cài gói Debian %(package)s khi cần (make không cài gói này).")
        install %= {"package": self.package}
        if self.setting:
            other = _("Hoặc đặt thiết lập %(setting)s là đường dẫn tới chương trình.")
            other %= {"setting": self.setting}
        elif self.env:
            other = _("Hoặc đặt biến môi trường %(env)s là đường dẫn tới chương trình.") % {"env": self.env}
        else:
            other = _("Hoặc thêm thư mục chứa chương trình vào PATH.")
        return f"{install} {other}"


@dataclass
class ToolStatus:
    """What was found of a MediaTool: the `command` looked for, its `path` (None when missing), its
    `version` (None when missing or unreadable) and the `missing_languages` of tesseract."""

    tool: MediaTool
    command: str
    path: str | None = None
    version: str | None = None
    languages: frozenset = field(default_factory=frozenset)
    missing_languages: tuple = ()

    @property
    def found(self):
        return self.path is not None


def media_tools():
    """The external programs, as MediaTools, in the order they are reported."""
    return [
        MediaTool(
            "ffmpeg", ("ffmpeg",), ("-version",), "ffmpeg",
            gettext_lazy("Bản phát trực tuyến của sách nói (AAC, âm lượng chuẩn hoá)"),
            gettext_lazy("Sách nói không có bản phát trực tuyến: việc xử lí tệp báo lỗi và trình phát "
                         "dùng tệp gốc."),
            setting="HOCLIEU_FFMPEG",
        ),
        MediaTool(
            "ffprobe", ("ffprobe",), ("-version",), "ffmpeg",
            gettext_lazy("Đọc thời lượng, chương và định dạng của tệp âm thanh"),
            gettext_lazy("Tệp âm thanh không xử lí được: không có thời lượng, chương, bản phát trực tuyến."),
            setting="HOCLIEU_FFPROBE",
        ),
        MediaTool(
            "pdftoppm", ("pdftoppm",), ("-v",), "poppler-utils",
            gettext_lazy("Ảnh trang PDF của poppler-utils (không bắt buộc: ảnh bìa do PDFium vẽ)"),
            gettext_lazy("Trang web vẫn chạy đủ (ảnh bìa PDF do PDFium vẽ); thiếu gói poppler-utils thì "
                         "kiểm thử PDF (tests/media_pipeline/test_pdf.py) không chạy được."),
        ),
        MediaTool(
            "pdftotext", ("pdftotext",), ("-v",), "poppler-utils",
            gettext_lazy("Mốc so sánh của kiểm thử và benchmark trích văn bản PDF"),
            gettext_lazy("Trang web vẫn chạy đủ (văn bản PDF do PDFium trích); kiểm thử "
                         "tests/media_pipeline/test_pdf.py và benchmarks/bench_pdf_text.py không chạy được."),
        ),
        MediaTool(
            "tesseract", ("tesseract",), ("--version",), "tesseract-ocr tesseract-ocr-vie",
            gettext_lazy("Nhận dạng chữ tiếng Việt (OCR) cho PDF quét và ảnh trang quét (qua ocrmypdf)"),
            gettext_lazy("OCR báo lỗi: PDF quét và ảnh trang quét (TIFF, JPEG, PNG) không có văn bản để "
                         "tìm kiếm, không có bản PDF tìm kiếm được."),
            languages=TESSERACT_LANGUAGES,
        ),
        MediaTool(
            "ocrmypdf", ("ocrmypdf",), ("--version",), "ocrmypdf",
            gettext_lazy("Làm PDF/A tìm kiếm được từ PDF quét và ảnh trang quét (TIFF, JPEG, PNG), dùng "
                         "tesseract vie+eng, xoay và chỉnh nghiêng trang"),
            gettext_lazy("OCR báo lỗi “thiếu công cụ”: PDF quét và tài liệu số hoá dạng ảnh không có văn "
                         "bản để tìm kiếm, không có bản PDF tìm kiếm được; các việc xử lí khác vẫn chạy."),
            setting="HOCLIEU_OCRMYPDF",
        ),
        MediaTool(
            "libreoffice", ("soffice", "libreoffice"), ("--version",),
            "libreoffice-writer-nogui libreoffice-impress-nogui",
            gettext_lazy("Bản xem trước PDF của DOCX, PPTX (LibreOffice headless), từ đó ảnh các trang "
                         "đầu và ảnh bìa"),
            gettext_lazy("DOCX, PPTX không có bản xem trước PDF, ảnh trang và ảnh bìa (việc “Bản xem trước "
                         "PDF” báo thiếu công cụ); văn bản, tìm kiếm và MARC của chúng vẫn chạy."),
            setting="HOCLIEU_SOFFICE",
        ),
        MediaTool(
            "espeak-ng", ("espeak-ng",), ("--version",), "espeak-ng",
            gettext_lazy("Tạo âm thanh tiếng Việt cho tệp mẫu (chỉ dữ liệu mẫu và kiểm thử)"),
            gettext_lazy("Chỉ việc tạo lại tệp âm thanh mẫu (fixtures/SOURCES.md) ngừng; trang web "
                         "không cần."),
        ),
        MediaTool(
            "chromium", ("chromium", "chromium-browser"), ("--version",), "chromium",
            gettext_lazy("Kiểm thử trình duyệt (tests/e2e, Playwright)"),
            gettext_lazy("Kiểm thử trình duyệt (tests/e2e) không chạy được; trang web không cần."),
            env="HOCLIEU_CHROMIUM",
        ),
    ]


def parse_version(text):
    """The version in a program's version output `text`, from its first line that has one, or None.

    "ffmpeg version 5.1.9-0+deb12u1 Copyright ..." -> "5.1.9-0+deb12u1"; "tesseract 5.3.0" -> "5.3.0";
    "Chromium 156.0.8078.79 built on Debian" -> "156.0.8078.79"; "SoX v14.4.2" -> "14.4.2".
    """
    for line in text.splitlines():
        match = _AFTER_VERSION.search(line) or _DOTTED_NUMBER.search(line)
        if match:
            return match.group(1)
    return None


def _run(path, args):
    """stdout then stderr of `path args` as text, or None when it cannot run or takes too long."""
    try:
        completed = subprocess.run(
            [path, *args], capture_output=True, timeout=VERSION_TIMEOUT, stdin=subprocess.DEVNULL, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return "\n".join(
        stream.decode("utf-8", errors="replace") for stream in (completed.stdout, completed.stderr)
    )


def tool_version(path, version_args):
    """The version the program at `path` prints with `version_args`, or None."""
    output = _run(path, version_args)
    return parse_version(output) if output else None


def tesseract_languages(path):
    """The languages (set of codes, e.g. {"eng", "osd", "vie"}) tesseract at `path` has data for."""
    output = _run(path, ("--list-langs",)) or ""
    return {
        line.strip() for line in output.splitlines()
        if line.strip() and " " not in line.strip() and not line.startswith("List of")
    }


def find_tool(tool, with_version=True):
    """A ToolStatus for MediaTool `tool`: the first of its candidates found, with its version (unless
    `with_version` is False) and, for tesseract, its languages."""
    candidates = tool.candidates()
    status = ToolStatus(tool, command=candidates[0])
    for command in candidates:
        path = shutil.which(command)
        if path:
            status.command, status.path = command, path
            break
    if status.path is None:
        return status
    if with_version:
        status.version = tool_version(status.path, tool.version_args)
    if tool.languages:
        status.languages = frozenset(tesseract_languages(status.path))
        status.missing_languages = tuple(code for code in tool.languages if code not in status.languages)
    return status


def media_tool_report(with_version=True):
    """A ToolStatus for every program of `media_tools()`, in order (looked up side by side)."""
    tools = media_tools()
    with ThreadPoolExecutor(max_workers=len(tools)) as pool:
        return list(pool.map(lambda tool: find_tool(tool, with_version), tools))


def _missing_warning(status):
    tool = status.tool
    if not status.found:
        commands = " / ".join(tool.candidates())
        return Warning(
            _("Không tìm thấy %(tool)s (“%(command)s”, %(where)s). %(without)s") % {
                "tool": tool.name, "command": commands, "where": tool.where(), "without": tool.without,
            },
            hint=tool.hint(),
            id="hoclieu.W001",
        )
    return Warning(
        _("%(tool)s (%(path)s) thiếu dữ liệu ngôn ngữ %(languages)s. %(without)s") % {
            "tool": tool.name, "path": status.path, "languages": ", ".join(status.missing_languages),
            "without": tool.without,
        },
        hint=_("Cài gói Debian %(package)s.") % {
            "package": " ".join(f"tesseract-ocr-{code}" for code in status.missing_languages)
        },
        id="hoclieu.W001",
    )


@register()
def check_media_tools(app_configs, **kwargs):
    """Warn (hoclieu.W001) for each program of `media_tools()` not found, and for tesseract without
    the Vietnamese language data, naming what stops working without it."""
    return [
        _missing_warning(status)
        for status in media_tool_report(with_version=False)
        if not status.found or status.missing_languages
    ]


@register()
def check_media_tool_versions(app_configs, **kwargs):
    """Info (hoclieu.I001): the version of every program of `media_tools()` found, in one line."""
    parts = []
    for status in media_tool_report():
        if status.found:
            parts.append(f"{status.tool.name} {status.version or '?'}")
        else:
            parts.append(_("%(tool)s: không có") % {"tool": status.tool.name})
    return [
        Info(_("Công cụ xử lí tệp: %(tools)s.") % {"tools": "; ".join(parts)},
             hint=_("manage.py media_tools cho biết đường dẫn và việc cần mỗi công cụ."), id="hoclieu.I001")
    ]
