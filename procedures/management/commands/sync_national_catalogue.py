from django.core.management.base import BaseCommand, CommandError

from procedures.adapters import SimulatedNationalCatalogue, national_catalogue_adapter
from procedures.constants import SyncStatus
from procedures.services import catalogue_sync


class Command(BaseCommand):
    help = (
        "Đồng bộ danh mục thủ tục hành chính từ CSDL quốc gia về TTHC (NATIONAL_CATALOGUE_URL; "
        "để trống thì dùng bộ mô phỏng), báo cáo thủ tục mới, thay đổi, bãi bỏ."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--simulator", action="store_true", help="Dùng bộ mô phỏng dù đã cấu hình NATIONAL_CATALOGUE_URL."
        )

    def handle(self, *args, simulator=False, **options):
        adapter = SimulatedNationalCatalogue() if simulator else national_catalogue_adapter()
        run = catalogue_sync(adapter=adapter)
        if run.status != SyncStatus.SUCCEEDED:
            raise CommandError(f"Đồng bộ thất bại: {run.error}")
        self.stdout.write(f"Nguồn: {run.source}")
        self.stdout.write(f"Thủ tục mới ({len(run.added)}): {', '.join(run.added) or '—'}")
        for change in run.changed:
            self.stdout.write(
                f"Thay đổi {change['code']} (phiên bản {change['version']}): {', '.join(change['fields'])}"
            )
        for draft in run.pending:
            self.stdout.write(f"Chờ bổ sung trước khi công bố {draft['code']}: {' '.join(draft['problems'])}")
        self.stdout.write(f"Bãi bỏ ({len(run.retired)}): {', '.join(run.retired) or '—'}")
        self.stdout.write(f"Không đổi: {run.unchanged_count}")
        if run.error:
            self.stdout.write(self.style.WARNING(f"Bản ghi không áp dụng được:\n{run.error}"))
        self.stdout.write(self.style.SUCCESS("Đồng bộ xong."))
