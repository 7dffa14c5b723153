"""manage.py oai_sync: fill the OAI-PMH record table from the materials (exchange.records.backfill)."""

from django.core.management.base import BaseCommand

from exchange.records import backfill


class Command(BaseCommand):
    help = "Cập nhật bảng biểu ghi OAI-PMH theo học liệu hiện có (chạy một lần sau khi nâng cấp)."

    def handle(self, *args, **options):
        seen, written = backfill()
        self.stdout.write(f"{seen} học liệu, {written} biểu ghi OAI-PMH được ghi.")
