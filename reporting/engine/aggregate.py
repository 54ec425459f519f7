"""Totals of the snapshot counters for a scope and a period, in the database (GROUP BY), with "today" on top.

Flows (received, finished, events) are summed over the period's days; stocks (`open_*`) are read on its last day.
Today's rows are built live from the event history (`snapshots.build_day`) and kept for KPI_TODAY_CACHE_SECONDS.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
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


def _empty(names=None) -> dict[str, int]:
    return dict.fromkeys(names or snapshots.counter_names(), 0)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


# --- the stored figures: one SQL statement per table of the dashboard ---------------------------------------------
#
# A piece is (bucket, table, date column, first, last, counters): the rows of one table between two dates, summed
# into a bucket (0 for a period's totals, the month's number for the trend). Flows come from the monthly rollup for
# whole months and from the daily rows at the edges; stocks from the daily rows of the last day. All the pieces of a
# table are read with one UNION ALL … GROUP BY statement, whatever the period's length.

DAILY = KpiSnapshot._meta.db_table
MONTHLY = KpiMonthSnapshot._meta.db_table


def _flow_pieces(bucket: int, first: dt.date, last: dt.date) -> list[tuple]:
    """The stored flows of [first, last]: whole months from the monthly rollup, the edges from the daily rows. An
    edge covering most of a past month is read as the month's row minus the days outside the period (flows add
    up, and a month's rollup is rewritten with every rebuild of one of its days): fewer rows either way."""
    if first > last:
        return []
    this_month = timezone.localdate().replace(day=1)
    pieces = []
    month = first.replace(day=1)
    while month <= last:
        following = _next_month(month)
        part_first, part_last = max(first, month), min(last, following - dt.timedelta(days=1))
        whole = part_first == month and part_last == following - dt.timedelta(days=1)
        outside = (following - month).days - ((part_last - part_first).days + 1)
        if whole:
            pieces.append((bucket, MONTHLY, "month", month, month, "flows"))
        elif following <= this_month and outside < (part_last - part_first).days + 1:
            pieces.append((bucket, MONTHLY, "month", month, month, "flows"))
            if part_first > month:
                pieces.append((bucket, DAILY, "day", month, part_first - dt.timedelta(days=1), "minus"))
            if part_last < following - dt.timedelta(days=1):
                pieces.append(
                    (
                        bucket,
                        DAILY,
                        "day",
                        part_last + dt.timedelta(days=1),
                        following - dt.timedelta(days=1),
                        "minus",
                    )
                )
        else:
            pieces.append((bucket, DAILY, "day", part_first, part_last, "flows"))
        month = following
    return _merge_months(pieces)


def _merge_months(pieces: list[tuple]) -> list[tuple]:
    """Consecutive whole months of one bucket read as one range of the rollup."""
    merged: list[tuple] = []
    for piece in pieces:
        if merged and piece[1] == MONTHLY and merged[-1][1] == MONTHLY and merged[-1][0] == piece[0]:
            previous = merged[-1]
            if _next_month(previous[4]) == piece[3] and previous[5] == piece[5]:
                merged[-1] = (*previous[:4], piece[4], previous[5])
                continue
        merged.append(piece)
    return merged


def _period_pieces(bucket: int, period: Period, today: dt.date) -> list[tuple]:
    pieces = _flow_pieces(bucket, period.first, min(period.last, today - dt.timedelta(days=1)))
    if period.last < today:
        pieces.append((bucket, DAILY, "day", period.last, period.last, "stocks"))
    return pieces


def _scope_sql(scope: Scope) -> tuple[str, list]:
    clauses, params = [], []
    for name, column in DIMENSIONS.items():
        value = getattr(scope, f"{name}_id" if name != "channel" else "channel")
        if value is not None:
            clauses.append(f"{column} = %s")
            params.append(value)
    if scope.agency_ids is not None:
        ids = sorted(scope.agency_ids)
        clauses.append(f"agency_id IN ({', '.join(['%s'] * len(ids))})" if ids else "1 = 0")
        params += ids
    return " AND ".join(clauses) or "1 = 1", params


def _read_many(
    scope: Scope, pieces: list[tuple], groupings: tuple, names: tuple | None = None
) -> dict[str | None, dict[tuple, dict]]:
    """{grouping: {(bucket, group value): {counter: total}}} of the pieces, in one statement: the pieces are read
    once (a common table expression) and summed once per grouping (None: no grouping)."""
    if not pieces:
        return {by: {} for by in groupings}
    names = list(names or snapshots.counter_names())
    flows = flow_names()
    columns = [DIMENSIONS[by] for by in groupings if by]
    where, scope_params = _scope_sql(scope)
    selects, params = [], []
    for bucket, table, column, first, last, kind in pieces:
        counted = STOCKS if kind == "stocks" else flows
        sign = "-" if kind == "minus" else ""
        values = ", ".join(
            [*columns, *(f"{sign + name if name in counted else 0} AS {name}" for name in names)]
        )
        date_test = f"{column} = %s" if first == last else f"{column} >= %s AND {column} <= %s"
        selects.append(f"SELECT {int(bucket)} AS bucket, {values} FROM {table} WHERE {where} AND {date_test}")
        params += scope_params + ([first] if first == last else [first, last])
    sums = ", ".join(f"SUM({name})" for name in names)
    totals = []
    for number, by in enumerate(groupings):
        group = DIMENSIONS[by] if by else "NULL"
        keys = f"bucket, {group}" if by else "bucket"
        totals.append(f"SELECT {number}, bucket, {group}, {sums} FROM pieces GROUP BY {keys}")
    sql = f"WITH pieces AS ({' UNION ALL '.join(selects)}) {' UNION ALL '.join(totals)}"
    found: dict[str | None, dict[tuple, dict]] = {by: {} for by in groupings}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's cost for a year of cells passes the JIT threshold; compiling costs more than the read.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for row in cursor:
            counts = dict(zip(names, (int(v or 0) for v in row[3:]), strict=True))
            found[groupings[row[0]]][(row[1], row[2])] = counts
    return found


def _read(scope: Scope, pieces: list[tuple], by: str | None, names=None) -> dict[tuple, dict[str, int]]:
    return _read_many(scope, pieces, (by,), names)[by]


def _today_cells() -> list[tuple[KpiSnapshot, tuple[tuple[str, int], ...]]]:
    """Today's rows with their non-zero counters only (a day's rows are sparse), computed once per build."""
    build = today_build()
    if build.cells is None:
        names = snapshots.counter_names()
        build.cells = [
            (row, tuple((n, getattr(row, n)) for n in names if getattr(row, n))) for row in build.rows
        ]
    return build.cells


def _add_today(result: dict, bucket: int, scope: Scope, by: str | None, names=None) -> None:
    column = DIMENSIONS[by] if by else None
    for row, counts in _today_cells():
        if scope.matches(row):
            key = (bucket, getattr(row, column) if column else None)
            target = result.get(key)
            if target is None:
                target = result[key] = _empty(names)
            for name, value in counts:
                if name in target:
                    target[name] += value


# A request asks for the same totals several times (the index, its sources, the breakdowns), and leaders reload
# the same view: results are kept per (scope, period, grouping) for KPI_DASHBOARD_CACHE_SECONDS in this process,
# and dropped as soon as a snapshot is rebuilt (`snapshots_version`) or today's live build is refreshed.
_memo: dict[tuple, tuple[float, object]] = {}
_MEMO_MAX = 256


_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kpi_request_figures", default=None)


@contextlib.contextmanager
def one_read_per_request():
    """Within the block (one request), each (scope, period, grouping) is read once, whatever the settings."""
    token = _request.set({})
    try:
        yield
    finally:
        _request.reset(token)


def _remembered(key: tuple, compute):
    within = _request.get()
    if within is not None and key in within:
        return within[key]
    value = _kept(key, compute)
    if within is not None:
        within[key] = value
    return value


def _known(key: tuple) -> bool:
    within = _request.get()
    if within is not None and key in within:
        return True
    seconds = settings.KPI_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return False
    kept = _memo.get((*key, timezone.localdate(), snapshots.version(), _today_stamp()))
    return kept is not None and kept[0] > time.monotonic()


def _kept(key: tuple, compute):
    seconds = settings.KPI_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return compute()
    key = (*key, timezone.localdate(), snapshots.version(), _today_stamp())
    now = time.monotonic()
    kept = _memo.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    value = compute()
    if len(_memo) >= _MEMO_MAX:
        kept_now = list(_memo.items())  # one copy: other threads of the process may add keys meanwhile
        expired = [k for k, (expires, _v) in kept_now if expires <= now]
        for old in expired or [k for k, _v in kept_now[: _MEMO_MAX // 2]]:
            _memo.pop(old, None)
    _memo[key] = (now + seconds, value)
    return value


def _today_stamp() -> tuple:
    """Which of today's live builds the figures include: the one kept now, else a value never seen again."""
    today = timezone.localdate().isoformat()
    kept = _today.get(today)
    if kept is not None and kept[0] > time.monotonic():
        return (today, kept[0])
    return (today, uuid.uuid4().hex)


def _period_totals(scope: Scope, period: Period, groupings: tuple) -> dict[str | None, dict]:
    today = timezone.localdate()
    # The totals are the sum of any grouping's groups: read them apart only when nothing else is read.
    grouped = tuple(by for by in groupings if by) or (None,)
    found = _read_many(scope, _period_pieces(0, period, today), grouped)
    results = {}
    for by in grouped:
        if period.first <= today <= period.last:
            _add_today(found[by], 0, scope, by)
        results[by] = {key: counts for (_bucket, key), counts in found[by].items()}
    if None in groupings and None not in results:
        total = _empty()
        for counts in results[grouped[0]].values():
            for name, value in counts.items():
                total[name] += value
        results[None] = {None: total}
    results.setdefault(None, {}).setdefault(None, _empty())  # an empty period still has its (zero) totals
    return {by: results[by] for by in groupings}


def totals_by(scope: Scope, period: Period, by: str | None = None) -> dict:
    """{group value: {counter: total}} (a single key None without `by`)."""
    return _remembered(("totals", scope, period, by), lambda: _period_totals(scope, period, (by,))[by])


def prefetch(scope: Scope, period: Period, groupings: tuple) -> None:
    """Read the totals of several groupings in one statement, for the `totals_by` calls that follow (in the same
    request, or while the figures are kept)."""
    missing = tuple(by for by in groupings if not _known(("totals", scope, period, by)))
    if not missing:
        return
    results = _period_totals(scope, period, missing)
    for by in missing:
        _remembered(("totals", scope, period, by), lambda by=by: results[by])


def totals(scope: Scope, period: Period) -> dict[str, int]:
    return totals_by(scope, period)[None]


def monthly(
    scope: Scope, first_month: dt.date, months: int, names: tuple | None = None
) -> list[tuple[dt.date, dict[str, int]]]:
    """One total per month, oldest first (the trend charts), read in one statement; only the counters `names`
    when given (a chart needs a few: summing fewer columns is most of a year's cost)."""

    def compute() -> list[tuple[dt.date, dict[str, int]]]:
        today = timezone.localdate()
        periods = []
        first = first_month.replace(day=1)
        for _ in range(months):
            if first > today:
                break
            following = _next_month(first)
            periods.append(Period(first, min(following - dt.timedelta(days=1), today)))
            first = following
        pieces = [piece for n, p in enumerate(periods) for piece in _period_pieces(n, p, today)]
        found = _read(scope, pieces, None, names)
        for n, p in enumerate(periods):
            if p.first <= today <= p.last:
                _add_today(found, n, scope, None, names)
        return [(p.first, found.get((n, None), _empty(names))) for n, p in enumerate(periods)]

    return _remembered(("monthly", scope, first_month, months, names), compute)
