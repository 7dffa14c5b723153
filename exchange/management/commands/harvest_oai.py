"""manage.py harvest_oai: harvest members' OAI-PMH feeds into the union catalogue.

    python manage.py harvest_oai [--source NAME] [--full]

Harvests every enabled HarvestSource (or the one named) once, now, whatever its schedule
(exchange.harvesting.harvest_source): incrementally from its last datestamp, or from the start with
`--full`. A progress bar per source goes to stderr (records read, of the provider's completeListSize
when it gives one); the report of each source (new, updated, unchanged, deleted, failed, and each
failed record with its identifier and reason, and how many of the deleted were records a complete
harvest from the start no longer found in the feed) goes to stdout. Exits with status 1 when a harvest
failed or a record could not be harvested.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from exchange.harvesting import harvest_source
from exchange.models import HarvestSource, HarvestStatus


class Command(BaseCommand):
    help = _("Thu thập biểu ghi từ các nguồn OAI-PMH vào mục lục liên hợp.")

    def add_arguments(self, parser):
        parser.add_argument("--source", metavar="NAME", help=_("chỉ thu thập nguồn có tên này"))
        parser.add_argument("--full", action="store_true",
                            help=_("thu thập lại từ đầu thay vì từ dấu thời gian lần trước"))

    def handle(self, *args, **options):
        sources = HarvestSource.objects.select_related("member_library", "receiving_library")
        if options["source"]:
            sources = sources.filter(name=options["source"])
            if not sources.exists():
                raise CommandError(_("Không có nguồn thu thập tên “%(name)s”.") % {"name": options["source"]})
        else:
            sources = sources.filter(enabled=True)
        quiet = options["verbosity"] == 0
        all_ok = True
        for source in sources:
            run = self.harvest(source, options["full"], quiet)
            self.report(source, run)
            all_ok = all_ok and run.status == HarvestStatus.SUCCESS
        if not all_ok:
            raise SystemExit(1)

    def harvest(self, source, full, quiet):
        unit = " " + _("biểu ghi")
        bar = None if quiet else tqdm(desc=source.name, unit=unit, file=self.stderr, leave=True)

        def progress(run, records, complete_list_size):
            if bar is None:
                return
            if complete_list_size and bar.total != complete_list_size:
                bar.total = complete_list_size
            bar.update(records - bar.n)

        try:
            return harvest_source(source, full=full, progress=progress)
        finally:
            if bar is not None:
                bar.close()

    def report(self, source, run):
        self.stdout.write(_(
            "%(source)s → %(library)s: %(status)s. Mới %(created)d, cập nhật %(updated)d, không đổi "
            "%(unchanged)d, xoá %(deleted)d, lỗi %(failed)d (%(pages)d trang)."
        ) % {
            "source": source.name, "library": source.member_library.name, "status": run.get_status_display(),
            "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
            "deleted": run.deleted, "failed": run.failed, "pages": run.pages,
        })
        if run.dropped:
            self.stdout.write("  " + _(
                "Trong số đã xoá, %(count)d biểu ghi không còn trong danh sách đầy đủ của nguồn."
            ) % {"count": run.dropped})
        if run.message:
            self.stdout.write(f"  {run.message}")
        for failure in run.failures:
            self.stdout.write(f"  {failure['identifier'] or '?'}: {failure['reason']}")
        if run.failed > len(run.failures):
            more = run.failed - len(run.failures)
            self.stdout.write("  " + _("… và %(count)d biểu ghi lỗi khác.") % {"count": more})
        if run.status != HarvestStatus.SUCCESS:
            self.stdout.write("  " + _("Lần sau vẫn thu thập từ %(moment)s.") % {
                "moment": source.last_datestamp.isoformat() if source.last_datestamp else _("đầu")})
