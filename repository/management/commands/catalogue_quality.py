"""catalogue_quality: the hub's quality control of catalogue records, as a report.

    python manage.py catalogue_quality (--library CODE | --network CODE) [-o FILE.xlsx] [--no-check]

Checks every active record of the library, or of every library of the network, against the rules
of repository.catalogue.quality (duplicates sought across the network's members), stores the
failures (the admin's "Chất lượng biểu ghi" report shows them), prints a summary per library, and
with -o writes the XLSX report: one sheet per member library, one row per failure (001, 003, title,
rule, field, message, source). --no-check writes the report of the last check without checking.
Exits with status 1 when a record fails a rule.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from repository.catalogue.quality import check_libraries, libraries_to_check, write_workbook
from repository.models import Library, LibraryNetwork, QualityIssue


class Command(BaseCommand):
    help = _("Kiểm tra chất lượng biểu ghi của một thư viện hoặc một liên thông; xuất báo cáo XLSX.")

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--library", metavar="CODE", help=_("mã thư viện"))
        scope.add_argument("--network", metavar="CODE", help=_("mã liên thông: mọi thư viện thành viên"))
        parser.add_argument("-o", "--output", metavar="FILE", help=_("tệp báo cáo XLSX"))
        parser.add_argument("--no-check", action="store_true",
                            help=_("không kiểm tra lại, chỉ xuất kết quả lần kiểm tra gần nhất"))

    def handle(self, *args, library=None, network=None, output=None, no_check=False, **options):
        try:
            libraries = list(libraries_to_check(library_code=library, network_code=network))
        except Library.DoesNotExist as exc:
            raise CommandError(_("Không có thư viện mã %(code)s.") % {"code": library}) from exc
        except LibraryNetwork.DoesNotExist as exc:
            raise CommandError(_("Không có liên thông mã %(code)s.") % {"code": network}) from exc
        ids = [lib.pk for lib in libraries]
        if not no_check:
            summary = check_libraries(ids)
            self.stdout.write(_("Đã kiểm tra %(checked)d biểu ghi: %(failing)d biểu ghi có lỗi, "
                                "%(issues)d lỗi.") % {"checked": summary.checked, "failing": summary.failing,
                                 "issues": summary.issues})
        issues = (QualityIssue.objects.of_libraries(ids).filter(record__deleted=False)
                  .select_related("record", "record__library"))
        for lib in libraries:
            count = issues.filter(record__library=lib).count()
            self.stdout.write(f"  {lib.code}: " + _("%(count)d lỗi") % {"count": count})
        if output:
            write_workbook(issues, output)
            self.stdout.write(_("Đã ghi báo cáo: %(path)s") % {"path": output})
        if issues.exists():
            raise SystemExit(1)
