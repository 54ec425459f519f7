"""Service-index dashboards on generated dossiers: the province's dashboard for a year, an agency's for a month
(median and p95 over repeated requests), the rebuild of one day's snapshot and of a whole year.

Targets at 1 M dossiers (2 cores): province year p95 ≤ 300 ms, agency month p95 ≤ 150 ms, one day ≤ 10 s, a year
≤ 10 min. Run it on a database filled by the generator:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kpi .venv/bin/python manage.py generate_dossiers --count 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kpi .venv/bin/python bench/kpi_dashboard.py [--skip-year]

The year rebuild replaces the stored snapshots of the last 365 days (it is what the first deployment runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("AXES_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from dossiers.models import Dossier  # noqa: E402
from portal.constants import AccountType, Role  # noqa: E402
from portal.models import User  # noqa: E402
from reporting.engine import snapshots  # noqa: E402

RUNS = 20
WARMUP = 2
TARGETS = {"province_year": 300.0, "agency_month": 150.0, "day": 10_000.0, "year": 600_000.0}


def _leader() -> User:
    user, _ = User.objects.get_or_create(
        username="bench.lanhdaotinh",
        defaults={"full_name": "Lãnh đạo tỉnh (đo hiệu năng)", "account_type": AccountType.OFFICER},
    )
    if user.province_role != Role.PROVINCE_LEADER:
        user.province_role = Role.PROVINCE_LEADER
        user.save(update_fields=["province_role"])
    return user


def _timed(client: Client, url: str) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(round(0.95 * len(times))) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-year", action="store_true", help="không tính lại cả năm")
    options = parser.parse_args()
    today = timezone.localdate()
    dossiers = Dossier.objects.count()
    print(f"Hồ sơ: {dossiers:,}".replace(",", "."))
    results: list[tuple[str, float, float]] = []

    day = today - dt.timedelta(days=30)
    started = time.perf_counter()
    rows = snapshots.rebuild_day(day)
    results.append(("day", (time.perf_counter() - started) * 1000, 0.0))
    print(f"Tính lại một ngày ({day:%d/%m/%Y}, {rows} dòng): {results[-1][1] / 1000:.2f} s")

    if not options.skip_year:
        started = time.perf_counter()
        snapshots.rebuild_range(today - dt.timedelta(days=365), today - dt.timedelta(days=1))
        results.append(("year", (time.perf_counter() - started) * 1000, 0.0))
        print(f"Tính lại một năm: {results[-1][1] / 1000:.1f} s")

    client = Client(HTTP_HOST="localhost")
    client.force_login(_leader())
    first = today - dt.timedelta(days=364)
    times = _timed(client, f"/bao-cao/?tu_ngay={first:%Y-%m-%d}&den_ngay={today:%Y-%m-%d}")
    results.append(("province_year", statistics.median(times), _p95(times)))
    busiest = (
        Dossier.objects.exclude(competent_agency=None)
        .values("competent_agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    month = today - dt.timedelta(days=29)
    agency = busiest["competent_agency"] if busiest else ""
    times = _timed(client, f"/bao-cao/?tu_ngay={month:%Y-%m-%d}&den_ngay={today:%Y-%m-%d}&co_quan={agency}")
    results.append(("agency_month", statistics.median(times), _p95(times)))

    failed = False
    print(f"\n{'phép đo':<16}{'trung vị (ms)':>16}{'p95 (ms)':>12}{'mục tiêu (ms)':>16}")
    for name, median, p95 in results:
        value = p95 or median
        ok = value <= TARGETS[name]
        failed |= not ok
        print(f"{name:<16}{median:>16.1f}{p95:>12.1f}{TARGETS[name]:>16.0f} {'đạt' if ok else 'KHÔNG ĐẠT'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
