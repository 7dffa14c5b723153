"""manage.py verify_signature FILE: who signed a PDF, when, with which certificate, and whether it changed."""

from django.core.management.base import BaseCommand, CommandError

from media_pipeline import signing
from repository.signatures import trust_roots


class Command(BaseCommand):
    help = ("Kiểm tra chữ ký số (PAdES) của tệp PDF: người ký, thời điểm, chứng thư, tệp có thay đổi "
            "sau khi ký không, có tin cậy không. Mã thoát 0: hợp lệ và tin cậy; 1: đã thay đổi hoặc không "
            "tin cậy; 2: không có chữ ký hay không đọc được.")

    requires_system_checks = []  # a verifier's output, not the site's set-up

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp PDF cần kiểm tra.")
        parser.add_argument("--trust-root", action="append", default=None, metavar="PEM",
                            help="Chứng thư CA tin cậy (mặc định: HOCLIEU_SIGNING_TRUST_ROOTS).")

    def handle(self, *args, file, trust_root, **options):
        try:
            roots = signing.load_certificates(trust_root) if trust_root else trust_roots()
            reports = signing.verify_all(file, roots)
        except FileNotFoundError as error:
            raise CommandError(f"Không có tệp {file}", returncode=2) from error
        except signing.SigningError as error:
            raise CommandError(str(error), returncode=2) from error
        for number, report in enumerate(reports, start=1):
            cert = report.certificate
            signed_at = report.signed_at.strftime("%d/%m/%Y %H:%M:%S %Z") if report.signed_at else "—"
            yes = {True: "có", False: "không"}
            self.stdout.write(f"Chữ ký #{number} (PAdES {report.level})")
            self.stdout.write(f"  Người ký:            {cert.signer_name}")
            self.stdout.write(f"  Thời điểm ký:        {signed_at}"
                              + (" (dấu thời gian)" if report.timestamped else " (do người ký khai)"))
            self.stdout.write(f"  Lí do:               {report.reason or '—'}")
            self.stdout.write(f"  Nơi ký:              {report.location or '—'}")
            self.stdout.write(f"  Chủ thể chứng thư:   {cert.subject}")
            self.stdout.write(f"  Cơ quan cấp:         {cert.issuer}")
            self.stdout.write(f"  Số sê-ri:            {cert.serial}")
            self.stdout.write(f"  SHA-256 chứng thư:   {cert.sha256_fingerprint}")
            self.stdout.write(f"  Toàn vẹn:            {yes[report.intact]}")
            self.stdout.write(f"  Bao trùm cả tệp:     {yes[report.covers_whole_file]}")
            self.stdout.write(f"  Tin cậy:             {yes[report.trusted]}")
            for problem in report.problems:
                self.stdout.write(f"  ! {problem}")
        last = reports[-1]
        if last.changed:
            self.stdout.write(self.style.ERROR("Kết luận: tệp ĐÃ THAY ĐỔI kể từ khi ký."))
            raise SystemExit(1)
        if not last.trusted:
            self.stdout.write(self.style.WARNING(
                "Kết luận: tệp không thay đổi, nhưng chứng thư không được tin cậy."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Kết luận: chữ ký hợp lệ, tệp không thay đổi kể từ khi ký."))
