"""manage.py reprocess_media [--kind KIND] [--failed] [--library CODE]: queue the media pipeline again."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from repository.models import DerivativeKind, Library, MaterialFile
from repository.pipeline import reprocess


class Command(BaseCommand):
    help = (
        "Xử lí lại tệp học liệu: mọi loại, hoặc một loại (--kind), chỉ tệp lỗi (--failed), "
        "một thư viện (--library). Việc được đưa vào hàng đợi cho db_worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=DerivativeKind.values, help="Chỉ loại sản phẩm này.")
        parser.add_argument("--failed", action="store_true", help="Chỉ những gì xử lí lỗi.")
        parser.add_argument("--library", metavar="CODE", help="Chỉ tệp của thư viện có mã này.")

    def handle(self, *args, kind=None, failed=False, library=None, **options):
        files = MaterialFile.objects.exclude(sha256="").order_by("pk")
        if library:
            found = Library.objects.filter(code=library).first()
            if found is None:
                raise CommandError(f"Không có thư viện mã {library}.")
            files = files.filter(collection__in=found.file_collections())
        if failed:
            files = files.filter(derivatives__status="failed").distinct()
        queued = 0
        for material_file in tqdm(files.iterator(), total=files.count(), unit="tệp",
                                  disable=options.get("verbosity", 1) == 0, file=self.stderr):
            queued += reprocess([material_file], kind=kind, failed_only=failed)
        self.stdout.write(f"Đã đưa {queued} việc xử lí vào hàng đợi.")
