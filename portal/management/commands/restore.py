from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Phục hồi một bản sao lưu (lệnh backup) vào cơ sở dữ liệu trống vừa chạy migrate đến cùng phiên bản, "
        "và đặt lại các tệp vào kho tệp. Kiểm tra SHA-256 trước khi ghi; từ chối cơ sở dữ liệu đã có dữ liệu."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Tệp sao lưu (.tar hoặc .tar.gz).")

    def handle(self, *args, archive, verbosity, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"Không có tệp {path}.")
        progress = self.stdout.write if verbosity > 1 else (lambda message: None)
        try:
            report = backup_restore(path, progress=progress)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã phục hồi {sum(report.rows.values())} dòng và {report.files} tệp từ {path}."
            )
        )
