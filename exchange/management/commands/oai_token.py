"""manage.py oai_token create|list|revoke: the harvester tokens of libraries (exchange.HarvesterToken)."""

from django.core.management.base import BaseCommand, CommandError

from exchange.models import HarvesterToken


class Command(BaseCommand):
    help = "Tạo, liệt kê hoặc thu hồi mã thu thập OAI-PMH của thư viện (Authorization: Bearer)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="tạo mã mới; mã chỉ hiện một lần")
        create.add_argument("--library", required=True, help="mã thư viện, ví dụ THCS-ND")
        create.add_argument("--name", required=True, help="tên gợi nhớ, ví dụ Koha đầu mối")
        sub.add_parser("list", help="liệt kê mã")
        revoke = sub.add_parser("revoke", help="thu hồi mã")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options):
        from repository.models import Library

        if options["action"] == "create":
            library = Library.objects.filter(code=options["library"]).first()
            if library is None:
                raise CommandError(f"Không có thư viện mã {options['library']}.")
            token, secret = HarvesterToken.issue(library, options["name"])
            self.stdout.write(f"Mã #{token.pk} của {library.code} (chỉ hiện lần này):")
            self.stdout.write(secret)
        elif options["action"] == "list":
            for token in HarvesterToken.objects.select_related("library").order_by("pk"):
                state = "còn hiệu lực" if token.active else "đã thu hồi"
                self.stdout.write(f"#{token.pk}\t{token.library.code}\t{token.name}\t{state}\t{token.last_used_at}")
        else:
            if not HarvesterToken.objects.filter(pk=options["id"]).update(active=False):
                raise CommandError(f"Không có mã #{options['id']}.")
            self.stdout.write(f"Đã thu hồi mã #{options['id']}.")
