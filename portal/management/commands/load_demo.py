import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from portal import demo


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu của một tỉnh (Khánh Hòa): cơ quan, lịch, tài khoản mọi vai trò. Chạy lại nhiều lần an toàn."

    def handle(self, *args, **options):
        with transaction.atomic():
            demo.load(stdout=self.stdout)
            # Each app contributes its own demo data through `<app>.demo.load`.
            for app in ("procedures", "dossiers", "payments", "repository", "reporting"):
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.load(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"Dữ liệu mẫu sẵn sàng. Mật khẩu mọi tài khoản: {demo.DEMO_PASSWORD}")
        )
