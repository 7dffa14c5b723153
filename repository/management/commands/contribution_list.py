"""manage.py contribution_list --library CODE --school-year 2025-2026 --semester 1 --format xlsx|pdf -o FILE:
a library's semester contribution list, the same file as the admin's "Đóng góp học liệu" download."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from repository.contributions import FORMATS, InvalidPeriod, contribution_file
from repository.models import Library


class Command(BaseCommand):
    help = (
        "Danh sách học liệu điện tử đóng góp của một thư viện trong một học kì (XLSX hoặc PDF để "
        "đóng dấu): học liệu được duyệt lần đầu trong học kì và đang được đăng."
    )

    def add_arguments(self, parser):
        parser.add_argument("--library", required=True, metavar="CODE", help="Mã thư viện, ví dụ THCS-TV.")
        parser.add_argument("--school-year", required=True, help="Năm học, ví dụ 2025-2026.")
        parser.add_argument("--semester", required=True, type=int, choices=(1, 2), help="Học kì: 1 hoặc 2.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="file_format")
        parser.add_argument("-o", "--output", required=True, help="Tệp ghi ra.")

    def handle(self, *args, library, school_year, semester, file_format, output, **options):
        found = Library.objects.filter(code=library).first()
        if found is None:
            raise CommandError(f"Không có thư viện mã {library}")
        try:
            content, _name, _type = contribution_file(found, school_year, semester, file_format)
        except InvalidPeriod as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(content)
        self.stdout.write(f"{output}: {len(content)} byte")
