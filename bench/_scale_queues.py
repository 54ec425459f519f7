"""Queues, desk counts, the deadline sweep and the public lookup on a generated province (`manage.py
generate_dossiers`), in the database DATABASE_URL names — not a test database: run it after generating.

Prints single-client median and p95 of each role's first queue page and the "all" tab (the officer of the
agency with most running dossiers), the provincial desk's queue with its counts, the finished-dossier search,
the sweep of every agency twice (the second run has nothing to change) and the lookup. Targets: queue pages
p95 ≤ 150 ms, "all"/search p95 ≤ 300 ms, sweep ≤ 5 s with nothing to change.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ["CELERY_BROKER_URL"] = ""

import django  # noqa: E402

django.setup()

RUNS = 20


def _timed(client, url: str, params: dict) -> tuple[float, float]:
    client.get(url, params)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url, params, REMOTE_ADDR="203.0.113.5")
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    timings.sort()
    return timings[len(timings) // 2], timings[int(len(timings) * 0.95) - 1]


def main() -> int:
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from dossiers import selectors, services
    from dossiers.constants import PROCESSING_STATES
    from dossiers.models import Dossier
    from dossiers.queues import WorkTab
    from portal.constants import Role
    from portal.models import AgencyMembership

    total = Dossier.objects.count()
    busiest = (
        Dossier.objects.filter(state__in=PROCESSING_STATES)
        .values("current_agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    agency_id = busiest["current_agency"]
    print(f"{total} hồ sơ; cơ quan nhiều hồ sơ đang xử lý nhất: {agency_id} ({busiest['n']} hồ sơ)")
    failed = []
    queue = "/ho-so/xu-ly/"
    for role, tabs in ((Role.SPECIALIST, [WorkTab.MINE, WorkTab.ALL]), (Role.APPROVER, [WorkTab.TO_APPROVE])):
        member = AgencyMembership.objects.filter(agency_id=agency_id, role=role, active=True).first()
        if member is None:
            continue
        client = Client()
        client.force_login(member.user)
        for tab in tabs:
            median, p95 = _timed(client, queue, {"tab": tab})
            limit = 300 if tab == WorkTab.ALL else 150
            print(
                f"hàng đợi {role} tab {tab}: trung vị {median:.0f} ms, p95 {p95:.0f} ms (mục tiêu ≤ {limit})"
            )
            failed += [f"{role}/{tab}"] if p95 > limit else []
        median, p95 = _timed(client, queue, {"tab": WorkTab.FINISHED, "q": "H32"})
        print(f"tìm hồ sơ đã kết thúc: trung vị {median:.0f} ms, p95 {p95:.0f} ms (mục tiêu ≤ 300)")
    desk = AgencyMembership.objects.filter(
        role=Role.INTAKE_OFFICER, active=True, agency__level="province"
    ).first()
    if desk is not None:
        client = Client()
        client.force_login(desk.user)
        median, p95 = _timed(client, "/ho-so/tiep-nhan/", {})
        print(f"hàng đợi một cửa (kèm số đếm): trung vị {median:.0f} ms, p95 {p95:.0f} ms (mục tiêu ≤ 150)")
        failed += ["desk"] if p95 > 150 else []
    agencies = selectors.agencies_with_running_dossiers()
    for label in ("lần 1", "lần 2 (không có gì đổi)"):
        start = time.perf_counter()
        changed = 0
        now = timezone.now()
        for pk in agencies:
            changed += sum(services.dossier_deadlines_sweep(agency_id=pk, now=now).values())
        seconds = time.perf_counter() - start
        print(f"quét thời hạn {len(agencies)} cơ quan, {label}: {seconds:.1f} s, {changed} dấu đổi")
    failed += ["sweep"] if seconds > 5 else []
    dossier = Dossier.objects.exclude(code=None).exclude(lookup_secret="").order_by("-pk").first()
    median, p95 = _timed(
        Client(), "/ho-so/tra-cuu/", {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret}
    )
    print(f"tra cứu công khai: trung vị {median:.1f} ms, p95 {p95:.1f} ms")
    print("Chưa đạt: " + ", ".join(failed) if failed else "Đạt mọi mục tiêu.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
