"""manage.py load_demo: build the demo school network from fixtures/ (used by `make demo`)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from wagtail.models import Site

from repository.demo import DEMO_PASSWORD, build_demo, demo_logins
from repository.models import Library
from repository.search.indexing import rebuild_search_index
from repository.signatures import request_missing_signatures


class Command(BaseCommand):
    help = "Dựng thư viện mẫu từ fixtures/: thư viện, tổ chuyên môn, người dùng, học liệu qua duyệt và xử lí."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=str(Path(settings.BASE_DIR) / "fixtures"))
        parser.add_argument("--host", default="127.0.0.1", help="Tên máy của trang (dùng trong 856 $u).")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-process", action="store_true", help="Không chạy xử lí tệp ngay.")

    def handle(self, *args, fixtures, no_process, host, port, **options):
        Site.objects.filter(is_default_site=True).update(hostname=host, port=port, site_name="Hoclieu")
        if Library.objects.exists():
            self.stdout.write("Dữ liệu mẫu đã có; bỏ qua (xoá var/ để dựng lại).")
        else:
            build_demo(Path(fixtures), log=self.stdout.write)
            if getattr(settings, "HOCLIEU_SIGNING_PKCS12_DIR", ""):
                # The CA is made after the data (its certificates name the libraries and principals),
                # so the approvals above found no signer: their signatures are queued now, before
                # the worker runs.
                call_command("make_demo_ca", stdout=self.stdout)
                queued = request_missing_signatures()
                self.stdout.write(f"Kế hoạch bài dạy, bài giảng PDF đã duyệt chờ ký số: {queued}")
            if not no_process:
                self.stdout.write("Xử lí tệp (văn bản, ảnh bìa, âm thanh)…")
                call_command("db_worker", batch=True, interval=0, no_startup_delay=True, verbosity=0)
            self.stdout.write("Dựng chỉ mục tìm kiếm…")
            rebuild_search_index()
        self.stdout.write(
            f"\nOAI-PMH (học liệu công khai cho máy thu thập): http://{host}:{port}/oai/?verb=Identify"
        )
        self.stdout.write(f"\nĐăng nhập (mật khẩu chung: {DEMO_PASSWORD}):")
        User = get_user_model()
        for username, role in demo_logins():
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"  {username:<16} {role}")
