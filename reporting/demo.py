"""Demo of the index: snapshots for the demo dossiers' days, and the province's targets (DOMAIN §8 seeds)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from dossiers.models import DossierEvent
from portal.models import Agency

from .engine import snapshots
from .models import KpiTarget

# Khánh Hòa / Đăk Nông seeds: fully online ≥ 70 % (2025), online ≥ 60 % (province), paid online ≥ 50 %,
# results digitised ≥ 50 %, reuse ≥ 80 %, on time ≥ 95 %.
PROVINCE_TARGETS = {
    "FULL_ONLINE_SHARE": 70,
    "ONLINE_SHARE": 60,
    "PAID_ONLINE": 50,
    "ELECTRONIC_RESULTS": 50,
    "REUSED": 80,
    "ON_TIME": 95,
    "DIGITISED": 80,
}


def load(stdout=None) -> None:
    today = timezone.localdate()
    for code, value in PROVINCE_TARGETS.items():
        KpiTarget.objects.update_or_create(
            indicator_code=code, agency=None, year=today.year, defaults={"value": Decimal(value)}
        )
    first_agency = Agency.objects.filter(level="province").order_by("code").first()
    if first_agency:
        KpiTarget.objects.update_or_create(
            indicator_code="ONLINE_SHARE",
            agency=first_agency,
            year=today.year,
            defaults={"value": Decimal(40)},
        )
    first = DossierEvent.objects.aggregate(first=Min("at"))["first"]
    days = 0
    if first is not None:
        start = max(timezone.localtime(first).date(), today - dt.timedelta(days=400))
        yesterday = today - dt.timedelta(days=1)
        if start <= yesterday:
            snapshots.rebuild_range(start, yesterday)
            days = (yesterday - start).days + 1
    if stdout:
        stdout.write(f"Chỉ số 766: {days} ngày số liệu tổng hợp, {KpiTarget.objects.count()} chỉ tiêu.")
