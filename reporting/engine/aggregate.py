"""Totals of the snapshot counters for a scope and a period, in the database (GROUP BY), with "today" on top.

Flows (received, finished, events) are summed over the period's days (whole months from the monthly rollup);
stocks (`open_*`) are read on its last day. The tables of one page are read in one statement (`_read_requests`).
Today's rows are built live (`snapshots.build_day`: in SQL on PostgreSQL) and kept for KPI_TODAY_CACHE_SECONDS;
computed figures are kept per (scope, period) for KPI_DASHBOARD_CACHE_SECONDS, until the next rebuild.
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
    return pieces


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


def _read_requests(scope: Scope, requests: list[tuple]) -> list[dict[str | None, dict[tuple, dict]]]:
    """Several reads — each (pieces, groupings, counters) — in one statement: every distinct piece (the same
    month of the rollup, say, for a year's totals and for its trend) is read once into a common table expression,
    then summed once per read and grouping, into each read's buckets. Only the counters a read names are summed."""
    all_names = snapshots.counter_names()
    wanted = set()
    ids: dict[tuple, int] = {}
    columns: list[str] = []
    for pieces, groupings, names in requests:
        wanted |= set(names or all_names)
        for by in groupings:
            if by and DIMENSIONS[by] not in columns:
                columns.append(DIMENSIONS[by])
        for piece in pieces:
            ids.setdefault(piece[1:], len(ids))
    found = [{by: {} for by in groupings} for _pieces, groupings, _names in requests]
    if not ids:
        return found
    names = [name for name in all_names if name in wanted]
    flows = flow_names()
    where, scope_params = _scope_sql(scope)
    selects, params = [], []
    for (table, column, first, last, kind), number in ids.items():
        counted = STOCKS if kind == "stocks" else flows
        sign = "-" if kind == "minus" else ""
        values = ", ".join(
            [*columns, *(f"{sign + name if name in counted else 0} AS {name}" for name in names)]
        )
        date_test = f"{column} = %s" if first == last else f"{column} >= %s AND {column} <= %s"
        selects.append(f"SELECT {number} AS piece, {values} FROM {table} WHERE {where} AND {date_test}")
        params += scope_params + ([first] if first == last else [first, last])
    totals, tags = [], []
    for index, (pieces, groupings, read_names) in enumerate(requests):
        if not pieces:
            continue
        read_names = set(read_names or all_names)
        sums = ", ".join(f"SUM({name})" if name in read_names else "0" for name in names)
        buckets = " ".join(f"WHEN {ids[p[1:]]} THEN {int(p[0])}" for p in pieces)
        members = ", ".join(str(ids[p[1:]]) for p in pieces)
        for by in groupings:
            group = DIMENSIONS[by] if by else "NULL"
            keys = f"2, {group}" if by else "2"
            totals.append(
                f"SELECT {len(tags)}, CASE piece {buckets} END, {group}, {sums} FROM pieces "
                f"WHERE piece IN ({members}) GROUP BY {keys}"
            )
            tags.append((index, by, read_names))
    sql = f"WITH pieces AS ({' UNION ALL '.join(selects)}) {' UNION ALL '.join(totals)}"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's cost for a year of cells passes the JIT threshold; compiling costs more than the read.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for row in cursor:
            index, by, read_names = tags[row[0]]
            counts = {
                name: int(value or 0)
                for name, value in zip(names, row[3:], strict=True)
                if name in read_names
            }
            found[index][by][(row[1], row[2])] = counts
    return found


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


def _totals_read(period: Period, groupings: tuple) -> tuple:
    grouped = tuple(by for by in groupings if by) or (None,)
    return (_period_pieces(0, period, timezone.localdate()), grouped, None)


def _totals_finish(scope: Scope, period: Period, groupings: tuple, found: dict) -> dict[str | None, dict]:
    today = timezone.localdate()
    # The totals are the sum of any grouping's groups: read apart only when nothing else is read.
    grouped = tuple(by for by in groupings if by) or (None,)
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


def _period_totals(scope: Scope, period: Period, groupings: tuple) -> dict[str | None, dict]:
    found = _read_requests(scope, [_totals_read(period, groupings)])[0]
    return _totals_finish(scope, period, groupings, found)


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


def _month_periods(first_month: dt.date, months: int) -> list[Period]:
    today = timezone.localdate()
    periods = []
    first = first_month.replace(day=1)
    for _ in range(months):
        if first > today:
            break
        following = _next_month(first)
        periods.append(Period(first, min(following - dt.timedelta(days=1), today)))
        first = following
    return periods


def _monthly_read(periods: list[Period], names) -> tuple:
    today = timezone.localdate()
    return ([piece for n, p in enumerate(periods) for piece in _period_pieces(n, p, today)], (None,), names)


def _monthly_finish(scope: Scope, periods: list[Period], names, found: dict) -> list[tuple[dt.date, dict]]:
    today = timezone.localdate()
    found = found[None]
    for n, p in enumerate(periods):
        if p.first <= today <= p.last:
            _add_today(found, n, scope, None, names)
    return [(p.first, found.get((n, None), _empty(names))) for n, p in enumerate(periods)]


def monthly(
    scope: Scope, first_month: dt.date, months: int, names: tuple | None = None
) -> list[tuple[dt.date, dict[str, int]]]:
    """One total per month, oldest first (the trend charts), read in one statement; only the counters `names`
    when given (a chart needs a few)."""

    def compute() -> list[tuple[dt.date, dict[str, int]]]:
        periods = _month_periods(first_month, months)
        found = _read_requests(scope, [_monthly_read(periods, names)])[0]
        return _monthly_finish(scope, periods, names, found)

    return _remembered(("monthly", scope, first_month, months, names), compute)


def prefetch_dashboard(
    scope: Scope, period: Period, groupings: tuple, first_month: dt.date, months: int, names: tuple
) -> None:
    """A dashboard's snapshot figures in one statement: the period's totals in several groupings and the monthly
    trend, the rollup months they share read once. Later `totals_by` and `monthly` calls find them."""
    missing = tuple(by for by in groupings if not _known(("totals", scope, period, by)))
    trend_key = ("monthly", scope, first_month, months, names)
    trend_missing = not _known(trend_key)
    if not missing and not trend_missing:
        return
    periods = _month_periods(first_month, months)
    reads = [_totals_read(period, missing)] if missing else []
    if trend_missing:
        reads.append(_monthly_read(periods, names))
    found = _read_requests(scope, reads)
    if missing:
        results = _totals_finish(scope, period, missing, found[0])
        for by in missing:
            _remembered(("totals", scope, period, by), lambda by=by: results[by])
    if trend_missing:
        trend = _monthly_finish(scope, periods, names, found[-1])
        _remembered(trend_key, lambda: trend)
