"""import_marc: import a library's print catalogue from MARC 21 files.

    python manage.py import_marc FILE... --library CODE [--harvested-from NAME] [--batch-size N]

FILE is ISO 2709 (UTF-8 or MARC-8, as leader/09 says) or MARCXML (Koha's export with 952 items);
the work is repository.catalogue.importing. A progress bar by bytes read goes to stderr (tqdm when
installed, else a percentage); the summary (created, updated, unchanged, deleted, failed) and each
failed record with its position and reason go to stdout. When records were created, updated or
deleted, a task checks the library's changed records against the hub's quality rules
(repository.tasks.check_changed_catalogue_records_task), in the worker. Exits with status 1 when a
record failed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from repository.catalogue.importing import DEFAULT_BATCH_SIZE, import_marc_files
from repository.models import CatalogueSource, Library
from repository.tasks import check_changed_catalogue_records_task


class _PercentProgress:
    """A plain progress display: the percentage of bytes read, on one line of `stream`."""

    def __init__(self, path, size, stream):
        self.path, self.size, self.stream, self.done, self.shown = path, max(size, 1), stream, 0, -1

    def __call__(self, count):
        self.done += count
        percent = min(100, self.done * 100 // self.size)
        if percent != self.shown:
            self.shown = percent
            self.stream.write(f"\r{self.path}: {percent}%")
            self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


class _TqdmProgress:
    def __init__(self, path, size, stream):
        from tqdm import tqdm

        self.bar = tqdm(total=size, unit="B", unit_scale=True, desc=path, file=stream, leave=True)

    def __call__(self, count):
        self.bar.update(count)

    def close(self):
        self.bar.close()


def progress_factory(stream, quiet=False):
    """A progress_factory for import_marc_files writing to `stream`: tqdm's bar when tqdm is
    installed, else a percentage; None when `quiet`."""
    if quiet:
        return None
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return lambda path, size: _PercentProgress(path, size, stream)
    return lambda path, size: _TqdmProgress(path, size, stream)


class Command(BaseCommand):
    help = _("Nhập biểu ghi MARC 21 (ISO 2709 UTF-8/MARC-8 hoặc MARCXML) vào kho sách in của một thư viện.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--library", required=True, help=_("Mã thư viện, ví dụ THCS-NGUYENDU."))
        parser.add_argument("--harvested-from", default="", metavar="NAME",
                            help=_("Biểu ghi thu thập từ thư viện khác: tên nguồn."))
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help=_("Không hiện thanh tiến độ."))

    def handle(self, *args, files, library, harvested_from, batch_size, no_progress, **options):
        found = Library.objects.filter(code=library).first()
        if found is None:
            raise CommandError(_("Không có thư viện mã %(code)s.") % {"code": library})
        if batch_size < 1:
            raise CommandError(_("--batch-size phải lớn hơn 0."))
        source = CatalogueSource.HARVESTED if harvested_from else CatalogueSource.LOCAL
        report = import_marc_files(
            files, found, source=source, source_name=harvested_from, batch_size=batch_size,
            progress_factory=progress_factory(sys.stderr, quiet=no_progress or options["verbosity"] == 0),
        )
        if report.created or report.updated or report.deleted:
            check_changed_catalogue_records_task.enqueue([found.pk])
        for failure in report.failures:
            self.stdout.write(_("Lỗi: %(failure)s") % {"failure": failure})
        self.stdout.write(_(
            "Đã nhập %(created)d biểu ghi mới, cập nhật %(updated)d, không đổi %(unchanged)d, "
            "đánh dấu xoá %(deleted)d, lỗi %(failed)d."
        ) % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
             "deleted": report.deleted, "failed": report.failed})
        if report.failed:
            sys.exit(1)
