"""manage.py make_demo_ca: the demo certificate authority and signing certificates (PKCS#12), idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from repository.demo_ca import make_demo_ca
from repository.signatures import demo_ca_signers


class Command(BaseCommand):
    help = ("Tạo cơ quan chứng thực mẫu (tự ký) và chứng thư ký số PKCS#12 của các thư viện và ban giám "
            "hiệu trong HOCLIEU_SIGNING_PKCS12_DIR; tệp đã có được giữ nguyên. Chỉ dùng cho bản mẫu.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="Thư mục (mặc định: HOCLIEU_SIGNING_PKCS12_DIR).")
        parser.add_argument("--password", default=None,
                            help="Mật khẩu (mặc định: HOCLIEU_SIGNING_PKCS12_PASSWORD).")

    def handle(self, *args, dir, password, **options):
        directory = dir or getattr(settings, "HOCLIEU_SIGNING_PKCS12_DIR", "")
        if password is None:
            password = getattr(settings, "HOCLIEU_SIGNING_PKCS12_PASSWORD", "")
        if not directory or not password:
            raise CommandError("Cần HOCLIEU_SIGNING_PKCS12_DIR và HOCLIEU_SIGNING_PKCS12_PASSWORD "
                               "(hoặc --dir, --password).")
        try:
            result = make_demo_ca(directory, demo_ca_signers(), password)
        except ValueError as error:
            raise CommandError(f"Không mở được khoá của CA mẫu trong {directory}: {error}") from error
        created = ", ".join(result["created"]) or "không có tệp mới"
        self.stdout.write(f"CA mẫu: {result['ca']} ({created})")
