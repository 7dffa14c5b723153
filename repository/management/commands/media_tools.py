"""media_tools: the external programs Hoclieu runs, as a table.

    python manage.py media_tools

One row per program of repository.checks.media_tools(): its name, where it was found, its version
and what needs it; a program not found is marked, followed by what stops working without it. The
system checks (hoclieu.W001, hoclieu.I001) report the same at start-up.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from repository.checks import media_tool_report

MISSING = "—"


def _row(status):
    """(tool, path, version, needed for) of a ToolStatus, as text."""
    if not status.found:
        return (status.tool.name, _("không tìm thấy (%(command)s)") % {"command": status.command}, MISSING,
                str(status.tool.needed_for))
    version = status.version or _("không đọc được")
    if status.tool.languages:
        if status.missing_languages:
            version += " " + _("(thiếu %(languages)s)") % {"languages": ", ".join(status.missing_languages)}
        else:
            version += f" ({', '.join(status.tool.languages)})"
    return (status.tool.name, status.path, version, str(status.tool.needed_for))


def format_table(rows, headings):
    """`rows` (tuples of str) under `headings`, in columns padded with spaces; the last column is not
    padded. Returns the lines."""
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]

    def line(cells):
        padded = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=False)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    return [line(headings), line(["-" * width for width in widths]), *(line(row) for row in rows)]


class Command(BaseCommand):
    help = _("Liệt kê các chương trình ngoài mà Hoclieu dùng: đường dẫn, phiên bản và việc cần đến chúng.")
    requires_system_checks = []  # the table says what the checks would

    def handle(self, *args, **options):
        report = media_tool_report()
        headings = [_("Công cụ"), _("Đường dẫn"), pgettext("công cụ", "Phiên bản"), _("Cần cho")]
        lines = format_table([_row(status) for status in report], headings)
        self.stdout.write("\n".join(lines[:2]))
        for status, text in zip(report, lines[2:], strict=True):
            self.stdout.write(text if status.found and not status.missing_languages
                              else self.style.WARNING(text))
        problems = [status for status in report if not status.found or status.missing_languages]
        if problems:
            self.stdout.write("")
        for status in problems:
            self.stdout.write(self.style.WARNING(f"{status.tool.name}: {status.tool.without}"))
