from django.core.management.base import BaseCommand

from portal.services import units_seed_from_package


class Command(BaseCommand):
    help = "Nạp danh mục đơn vị hành chính (34 tỉnh, thành phố và các xã, phường, đặc khu từ 01/7/2025)."

    def handle(self, *args, **options):
        added = units_seed_from_package()
        self.stdout.write(self.style.SUCCESS(f"Đã thêm {added} đơn vị hành chính."))
