"""Rebuild the index's daily snapshots for a period: `manage.py rebuild_kpi_snapshots --from 01/01/2026 --to 31/12/2026`."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.engine import snapshots


def _date(value: str) -> dt.date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CommandError(f"Ngày không hợp lệ: {value} (dd/mm/yyyy hoặc yyyy-mm-dd).")


class Command(BaseCommand):
    help = "Tính lại số liệu tổng hợp theo ngày của bộ chỉ số 766 cho một khoảng thời gian."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="ngày đầu (dd/mm/yyyy)")
        parser.add_argument("--to", dest="last", help="ngày cuối (mặc định: hôm qua)")

    def handle(self, *args, first, last=None, **options):
        first = _date(first)
        last = _date(last) if last else timezone.localdate() - dt.timedelta(days=1)
        if last < first:
            raise CommandError("Ngày cuối phải sau ngày đầu.")
        started = time.monotonic()
        rows = snapshots.rebuild_range(first, last)
        self.stdout.write(
            f"Đã tính lại {(last - first).days + 1} ngày ({rows} dòng) trong {time.monotonic() - started:.1f} giây."
        )
