from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ cơ sở dữ liệu (JSON lines, dùng được cho SQLite và PostgreSQL) và mọi tệp trong kho tệp "
        "(MEDIA_ROOT hoặc S3) vào một tệp tar, kèm manifest.json (số dòng mỗi bảng, SHA-256 mỗi tệp). "
        "Không gồm khóa ký số (PKI_DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="Tệp đích (.tar hoặc .tar.gz); mặc định sao-luu-<ngày giờ>.tar.gz ở thư mục hiện tại.",
        )

    def handle(self, *args, output, verbosity, **options):
        path = Path(output or f"sao-luu-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz")
        progress = self.stdout.write if verbosity > 1 else (lambda message: None)
        try:
            manifest = backup_write(path, progress=progress)
        except FileExistsError as exc:
            raise CommandError(f"{path} đã tồn tại; chọn tên khác.") from exc
        except BackupError as exc:
            path.unlink(missing_ok=True)
            raise CommandError(exc.message) from exc
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        rows = sum(entry["count"] for entry in manifest["models"])
        self.stdout.write(
            self.style.SUCCESS(f"Đã sao lưu {rows} dòng và {len(manifest['files'])} tệp vào {path}.")
        )
