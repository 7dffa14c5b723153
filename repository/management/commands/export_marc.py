"""export_marc: write the MARC 21 records of every published material, for the library system (ILS).

    python manage.py export_marc [--format iso2709|marcxml] [-o FILE] [--library CODE] [--base-url URL]
                                 [--since DATE]

The export holds ALL published materials, school-only and group-only ones included: it goes to the
library's own ILS, which catalogues the whole collection (field 506 of each record says who may
read it, and the 856 link leads to Hoclieu, which checks access). Drafts are never exported.
Without -o the records go to standard output as bytes; with -o they are written to FILE.tmp and
moved over FILE only when the whole export succeeded, so a failed run leaves FILE as it was.

--since DATE (YYYY-MM-DD, local midnight, or an ISO 8601 date and time) is for a nightly import:
only the records changed since then, and a deleted record (leader/05 "d") for each material
unpublished or deleted since then (repository.marc.export.iter_records).
"""

import datetime
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from repository.marc import FORMAT_ISO2709, FORMAT_MARCXML, MarcError, export_records


class _TextSink:
    """A binary write() over a text stream (when call_command is given a StringIO)."""

    def __init__(self, output_wrapper):
        self.output_wrapper = output_wrapper

    def write(self, data):
        self.output_wrapper.write(data.decode("utf-8"), ending="")


def parse_since(value):
    """The aware datetime that --since `value` names: a date (local midnight) or an ISO date-time.

    A date-time without an offset is in the current time zone. Raises CommandError otherwise.
    """
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            _("Ngày không hợp lệ: %(value)s (dùng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM).") % {"value": value}
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = _(
        "Xuất biểu ghi MARC 21 của mọi học liệu đã xuất bản (kể cả học liệu chỉ dùng trong trường) "
        "để nhập vào phần mềm quản lí thư viện."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=[FORMAT_ISO2709, FORMAT_MARCXML], default=FORMAT_ISO2709,
            help=_("iso2709 (mặc định) hoặc marcxml"),
        )
        parser.add_argument("-o", "--output", help=_("tệp để ghi (mặc định: đầu ra chuẩn)"))
        parser.add_argument("--library", help=_("chỉ xuất học liệu của thư viện có mã này"))
        parser.add_argument(
            "--base-url", help=_("địa chỉ gốc của trang web cho trường 856, thay cho địa chỉ của Site")
        )
        parser.add_argument(
            "--since", type=parse_since,
            help=_(
                "chỉ xuất biểu ghi thay đổi từ ngày này (YYYY-MM-DD), kèm biểu ghi xoá của học liệu "
                "đã gỡ hoặc xoá từ ngày đó"
            ),
        )

    def handle(self, *args, **options):
        fmt, output = options["format"], options["output"]
        export = {"fmt": fmt, "library_code": options["library"], "base_url": options["base_url"],
                  "since": options["since"]}
        try:
            if output and output != "-":
                count = self._export_to_file(output, export)
            else:
                count = self._export_to_stdout(export)
        except (MarcError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            _("Đã xuất %(count)d biểu ghi (%(format)s).") % {"count": count, "format": fmt}
        )

    def _export_to_file(self, path, export):
        temporary = f"{path}.tmp"
        try:
            with open(temporary, "wb") as stream:
                count = export_records(stream, **export)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        return count

    def _export_to_stdout(self, export):
        binary = getattr(self.stdout, "buffer", None)
        if binary is None:
            return export_records(_TextSink(self.stdout), **export)
        self.stdout.flush()
        count = export_records(binary, **export)
        binary.flush()
        return count
