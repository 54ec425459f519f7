import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.errors import ApplicationError
from procedures.excel import records_from_workbook
from procedures.national import RecordError
from procedures.services import catalogue_import


class Command(BaseCommand):
    help = "Nhập danh mục thủ tục hành chính từ tệp JSON hoặc Excel theo tên trường của CSDL quốc gia."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Tệp .json hoặc .xlsx")

    def handle(self, *args, path, **options):
        file = Path(path)
        try:
            if file.suffix.lower() == ".xlsx":
                records = records_from_workbook(file.read_bytes())
            else:
                records = json.loads(file.read_text(encoding="utf-8"))
            report = catalogue_import(records=records, actor=None)
        except (OSError, json.JSONDecodeError, RecordError) as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc}") from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Đã nhập: {report.summary()}."))
