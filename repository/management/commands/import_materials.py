"""manage.py import_materials PATH... --library CODE --type TYPE [--subject S] [--grade G] [--publish]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from repository.choices import AccessLevel, MaterialType, Subject
from repository.importing import import_materials, iter_files
from repository.models import Library


class Command(BaseCommand):
    help = "Nhập hàng loạt tệp (PDF, DOCX, PPTX, âm thanh) thành học liệu của một thư viện."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Tệp hoặc thư mục (duyệt đệ quy).")
        parser.add_argument("--library", required=True, help="Mã thư viện, ví dụ THCS-ND.")
        parser.add_argument("--type", required=True, choices=MaterialType.values, dest="material_type")
        parser.add_argument("--subject", default=Subject.OTHER, choices=Subject.values)
        parser.add_argument("--grade", type=int, choices=range(1, 13))
        parser.add_argument("--publish", action="store_true",
                            help="Xuất bản ngay (tài liệu nội sinh của thư viện, không qua tổ chuyên môn).")
        parser.add_argument("--user", help="Tên đăng nhập của người nhập (chủ sở hữu các trang).")
        parser.add_argument("--creator", help="Tác giả ghi cho mọi học liệu (mặc định: tên thư viện).")
        parser.add_argument("--access", choices=AccessLevel.values,
                            help="Mức truy cập (mặc định: trong trường).")

    def handle(self, *args, paths, library, material_type, subject, grade, publish, user, creator, access,
               **options):
        try:
            library_obj = Library.objects.get(code=library)
        except Library.DoesNotExist as exc:
            raise CommandError(f"Không có thư viện mã {library!r}.") from exc
        if not hasattr(library_obj, "index_page"):
            raise CommandError(f"Thư viện {library!r} chưa có trang thư viện (chạy setup_library).")
        user_obj = None
        if user:
            try:
                user_obj = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Không có người dùng {user!r}.") from exc

        total = sum(1 for _ in iter_files(paths))
        bar = tqdm(total=total, unit="tệp", desc="Nhập", file=self.stderr._out,
                   disable=options["verbosity"] == 0)

        def progress(path, page, reason):
            bar.update(1)
            bar.set_postfix_str(path.name[-30:])

        report = import_materials(
            paths, library_obj, material_type, subject=subject, grade=grade, publish=publish,
            user=user_obj, creators=creator, access_level=access, progress=progress,
        )
        bar.close()
        state = "đã xuất bản" if publish else "chờ tổ chuyên môn duyệt"
        self.stdout.write(f"Đã nhập {len(report.imported)}/{report.total} tệp ({state}).")
        for path, reason in report.skipped:
            self.stdout.write(f"  BỎ QUA {path}: {reason}")
        if report.total == 0:
            raise CommandError("Không có tệp nào để nhập.")
