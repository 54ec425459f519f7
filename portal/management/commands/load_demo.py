from django.core.management.base import BaseCommand
from django.db import transaction

from portal import demo


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu của một tỉnh (Khánh Hòa): cơ quan, lịch, tài khoản mọi vai trò. Chạy lại nhiều lần an toàn."

    def handle(self, *args, **options):
        with transaction.atomic():
            demo.load(stdout=self.stdout)
            # Each app contributes its own demo data: it registers its loader in AppConfig.ready().
            for load in demo.app_demo_loaders():
                load(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"Dữ liệu mẫu sẵn sàng. Mật khẩu mọi tài khoản: {demo.DEMO_PASSWORD}")
        )
