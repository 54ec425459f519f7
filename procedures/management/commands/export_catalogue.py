import json
from pathlib import Path

from django.core.management.base import BaseCommand

from procedures.excel import workbook_from_records
from procedures.selectors import catalogue_export_records


class Command(BaseCommand):
    help = (
        "Xuất danh mục thủ tục đang áp dụng ra tệp JSON hoặc Excel (.xlsx) theo tên trường của CSDL quốc gia."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Tệp .json hoặc .xlsx")

    def handle(self, *args, path, **options):
        records = catalogue_export_records()
        file = Path(path)
        if file.suffix.lower() == ".xlsx":
            file.write_bytes(workbook_from_records(records))
        else:
            file.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Đã xuất {len(records)} thủ tục ra {path}."))
