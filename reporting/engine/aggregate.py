"""Totals of the snapshot counters for a scope and a period, in the database (GROUP BY), with "today" on top.

Flows (received, finished, events) are summed over the period's days; stocks (`open_*`) are read on its last day.
Today's rows are built live from the event history (`snapshots.build_day`) and kept for KPI_TODAY_CACHE_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from ..models import KpiMonthSnapshot, KpiSnapshot
from . import snapshots

STOCKS = ("open_end", "open_on_time_end")
DIMENSIONS = {"agency": "agency_id", "procedure": "procedure_id", "unit": "unit_id", "channel": "channel"}


@dataclass(frozen=True)
class Scope:
    """Which cells: one agency (or the whole province), and optionally a procedure, a unit, a channel."""

    agency_id: int | None = None
    procedure_id: int | None = None
    unit_id: int | None = None
    channel: int | None = None
    agency_ids: frozenset[int] | None = None

    def q(self) -> Q:
        q = Q()
        for name, column in DIMENSIONS.items():
            value = getattr(self, f"{name}_id" if name != "channel" else "channel")
            if value is not None:
                q &= Q(**{column: value})
        if self.agency_ids is not None:
            q &= Q(agency_id__in=self.agency_ids)
        return q

    def matches(self, row: KpiSnapshot) -> bool:
        for name, column in DIMENSIONS.items():
            value = getattr(self, f"{name}_id" if name != "channel" else "channel")
            if value is not None and getattr(row, column) != value:
                return False
        return self.agency_ids is None or row.agency_id in self.agency_ids


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def flow_names() -> list[str]:
    return [name for name in snapshots.counter_names() if name not in STOCKS]


_today: dict[str, tuple[float, snapshots.DayBuild]] = {}


def today_build() -> snapshots.DayBuild:
    """Today, built live from the event history and kept in this process for KPI_TODAY_CACHE_SECONDS (in memory,
    not in the shared cache: a dashboard reads it a dozen times per request and unpickling would dominate)."""
    today = timezone.localdate().isoformat()
    seconds = settings.KPI_TODAY_CACHE_SECONDS
    kept = _today.get(today)
    if seconds and kept is not None and kept[0] > time.monotonic():
        return kept[1]
    build = snapshots.build_day(timezone.localdate())
    _today.clear()
    if seconds:
        _today[today] = (time.monotonic() + seconds, build)
    return build


def today_rows() -> list[KpiSnapshot]:
    return today_build().rows


def _empty() -> dict[str, int]:
    return dict.fromkeys(snapshots.counter_names(), 0)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _flow_querysets(scope: Scope, first: dt.date, last: dt.date) -> list:
    """The stored flows of [first, last]: whole months from the monthly rollup, the edges from the daily rows."""
    if first > last:
        return []
    daily = KpiSnapshot.objects.filter(scope.q())
    months_from = first if first.day == 1 else _next_month(first)
    months_to = _next_month(last) if _next_month(last) - dt.timedelta(days=1) == last else last.replace(day=1)
    if months_from >= months_to:
        return [daily.filter(day__gte=first, day__lte=last)]
    parts = [KpiMonthSnapshot.objects.filter(scope.q(), month__gte=months_from, month__lt=months_to)]
    if first < months_from:
        parts.append(daily.filter(day__gte=first, day__lt=months_from))
    if months_to <= last:
        parts.append(daily.filter(day__gte=months_to, day__lte=last))
    return parts


def totals_by(scope: Scope, period: Period, by: str | None = None) -> dict:
    """{group value: {counter: total}} (a single key None without `by`)."""
    today = timezone.localdate()
    column = DIMENSIONS[by] if by else None
    result: dict = defaultdict(_empty)
    base = KpiSnapshot.objects.filter(scope.q())
    stored_last = min(period.last, today - dt.timedelta(days=1))
    sums = {name: Sum(name) for name in flow_names()}
    for flows in _flow_querysets(scope, period.first, stored_last):
        rows = flows.values(column).annotate(**sums) if column else [flows.aggregate(**sums)]
        for row in rows:
            target = result[row.get(column) if column else None]
            for name in flow_names():
                target[name] += row[name] or 0
    if period.last < today:
        stock = base.filter(day=period.last)
        sums = {name: Sum(name) for name in STOCKS}
        rows = stock.values(column).annotate(**sums) if column else [stock.aggregate(**sums)]
        for row in rows:
            target = result[row.get(column) if column else None]
            for name in STOCKS:
                target[name] += row[name] or 0
    if period.first <= today <= period.last:
        for row in today_rows():
            if scope.matches(row):
                target = result[getattr(row, column) if column else None]
                for name in snapshots.counter_names():
                    target[name] += getattr(row, name)
    if not by:
        result[None]  # noqa: B018 — an empty period still has its (zero) totals
    return dict(result)


def totals(scope: Scope, period: Period) -> dict[str, int]:
    return totals_by(scope, period)[None]


def monthly(scope: Scope, first_month: dt.date, months: int) -> list[tuple[dt.date, dict[str, int]]]:
    """One total per month, oldest first (the trend charts)."""
    out = []
    year, month = first_month.year, first_month.month
    for _ in range(months):
        first = dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        last = dt.date(year, month, 1) - dt.timedelta(days=1)
        if first > timezone.localdate():
            break
        out.append((first, totals(scope, Period(first, min(last, timezone.localdate())))))
    return out
