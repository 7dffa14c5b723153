"""manage.py import_materials PATH... --library CODE --type TYPE [--subject S] [--grade G] [--publish]
[--page-sets] [--transcript-language vi|en|auto] [--no-wait] [--report FILE]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from repository.choices import AccessLevel, MaterialType, Subject, TranscriptLanguage
from repository.importing import (
    import_materials,
    iter_files,
    outcomes,
    wait_for_processing,
    write_report_csv,
)
from repository.models import Library

LABELS = {"imported": "ĐÃ NHẬP", "skipped": "BỎ QUA", "failed": "XỬ LÍ LỖI", "pending": "CHƯA XỬ LÍ XONG"}


class Command(BaseCommand):
    help = (
        "Nhập hàng loạt tệp (PDF, DOCX, PPTX, âm thanh) thành học liệu của một thư viện, chờ xử lí xong "
        "và báo từng tệp: đã nhập, bỏ qua (kèm lí do), xử lí lỗi (kèm lí do). Mã thoát khác 0 khi có tệp "
        "không nhập được."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Tệp hoặc thư mục (duyệt đệ quy).")
        parser.add_argument("--library", required=True, help="Mã thư viện, ví dụ THCS-ND.")
        parser.add_argument("--type", required=True, choices=MaterialType.values, dest="material_type")
        parser.add_argument("--subject", default=Subject.OTHER, choices=Subject.values)
        parser.add_argument("--grade", type=int, choices=range(1, 13))
        parser.add_argument("--publish", action="store_true",
                            help="Xuất bản khi tệp xử lí xong (tài liệu nội sinh của thư viện, không qua "
                                 "tổ chuyên môn); tệp xử lí lỗi thì không xuất bản.")
        parser.add_argument("--user", help="Tên đăng nhập của người nhập (chủ sở hữu các trang).")
        parser.add_argument("--creator", help="Tác giả ghi cho mọi học liệu (mặc định: tên thư viện).")
        parser.add_argument("--access", choices=AccessLevel.values,
                            help="Mức truy cập (mặc định: trong trường).")
        parser.add_argument("--no-wait", action="store_true", dest="no_wait",
                            help="Không chờ xử lí tệp (db_worker xử lí sau).")
        parser.add_argument("--timeout", type=float, default=3600.0,
                            help="Chờ xử lí tối đa bao nhiêu giây (mặc định 3600).")
        parser.add_argument("--report", metavar="FILE", help="Ghi kết quả từng tệp ra tệp CSV.")
        parser.add_argument("--transcript-language", choices=TranscriptLanguage.values,
                            dest="transcript_language",
                            help="Ngôn ngữ chép lời âm thanh, video: vi (mặc định), en, auto (tự nhận biết).")
        parser.add_argument("--page-sets", action="store_true", dest="page_sets",
                            help="Ảnh trang quét (TIFF, JPEG, PNG) trong cùng một thư mục thành MỘT học "
                                 "liệu, ghép theo thứ tự tên tệp (trang-2 trước trang-10); ảnh hỏng bị "
                                 "bỏ qua kèm lí do, các trang khác vẫn được nhập.")

    def handle(self, *args, paths, library, material_type, subject, grade, publish, user, creator, access,
               no_wait, timeout, report, page_sets=False, transcript_language=None, **options):
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
        quiet = options["verbosity"] == 0

        total = sum(1 for _ in iter_files(paths))
        bar = tqdm(total=total, unit="tệp", desc="Nhập", file=self.stderr._out, disable=quiet)

        def progress(path, page, reason):
            bar.update(1)
            bar.set_postfix_str(path.name[-30:])

        batch = import_materials(
            paths, library_obj, material_type, subject=subject, grade=grade, publish=publish,
            user=user_obj, creators=creator, access_level=access, progress=progress, page_sets=page_sets,
            transcript_language=transcript_language,
        )
        bar.close()
        if batch.total == 0:
            raise CommandError("Không có tệp nào để nhập.")
        if batch.imported and not no_wait and connection.in_atomic_block:
            # Called inside a transaction (from code): processing starts only when it commits.
            self.stderr.write("Đang ở trong một giao dịch: tệp chỉ được xử lí khi giao dịch kết thúc; "
                              "không chờ.")
            no_wait = True
        if batch.imported and not no_wait:
            waiting = tqdm(total=len(batch.imported), unit="tệp", desc="Xử lí", file=self.stderr._out,
                           disable=quiet)

            def processed(count):
                waiting.update(count - waiting.n)

            if not wait_for_processing(batch.imported, timeout=timeout, progress=processed):
                self.stderr.write(f"Hết {timeout:.0f} giây chờ; db_worker có đang chạy không?")
            waiting.close()

        results = outcomes(batch)
        counts = {status: sum(1 for r in results if r.status == status) for status in LABELS}
        state = "đã xuất bản" if publish else "chờ tổ chuyên môn duyệt"
        self.stdout.write(f"Đã nhập {len(batch.imported)}/{batch.total} tệp ({state}).")
        if not no_wait:
            self.stdout.write(
                f"Xử lí xong {counts['imported']}, lỗi {counts['failed']}, chưa xong {counts['pending']}; "
                f"bỏ qua {counts['skipped']}."
            )
        for outcome in results:
            if outcome.status == "imported" or (no_wait and outcome.status == "pending"):
                continue
            self.stdout.write(f"  {LABELS[outcome.status]} {outcome.path}: {outcome.reason}")
        if report:
            write_report_csv(results, report)
            self.stdout.write(f"Đã ghi báo cáo: {report}")
        if counts["skipped"] or counts["failed"]:
            missing = counts["skipped"] + counts["failed"]
            raise CommandError(f"{missing} tệp không nhập được (xem danh sách trên).", returncode=1)
