"""On a generated province (the scale generator, a small count): the snapshots give the figures a direct
recomputation from the raw dossier and event rows gives, for the whole province and per agency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dossiers.generator import generate
from dossiers.models import Dossier
from reporting.engine import snapshots
from reporting.engine.aggregate import Period, Scope, totals, totals_by

from .test_engine import _direct

pytestmark = pytest.mark.django_db


def test_snapshots_equal_a_direct_recomputation_on_generated_dossiers(settings):
    settings.KPI_TODAY_CACHE_SECONDS = 0
    generate(count=300, years=0.25, seed=5, communes=4, citizens=60, workers=1)
    today = timezone.localdate()
    first = timezone.localtime(Dossier.objects.order_by("created_at").first().created_at).date()
    first = min(first, today - dt.timedelta(days=100))
    snapshots.rebuild_range(first, today - dt.timedelta(days=1))
    for start, last in ((first, today), (today - dt.timedelta(days=30), today - dt.timedelta(days=10))):
        direct = _direct(start, last)
        engine = totals(Scope(), Period(start, last))
        assert direct["received"] > 0
        assert {k: engine[k] for k in direct} == direct, (start, last)
    # the agencies' figures add up to the province's
    by_agency = totals_by(Scope(), Period(first, today), by="agency")
    province = totals(Scope(), Period(first, today))
    for name in ("received", "finished", "finished_on_time", "open_end", "open_on_time_end"):
        assert sum(t[name] for t in by_agency.values()) == province[name]
    assert province["finished"] > province["finished_on_time"] > 0


def _naive(scope: Scope, period: Period, by: str | None) -> dict:
    """Sum of the daily rows themselves (flows over the period, stocks on its last day): what any reading of the
    rollups must give."""
    from django.db.models import Sum

    from reporting.engine.aggregate import DIMENSIONS, STOCKS, flow_names
    from reporting.models import KpiSnapshot

    column = DIMENSIONS[by] if by else None
    rows = KpiSnapshot.objects.filter(scope.q(), day__gte=period.first, day__lte=period.last)
    out: dict = {}

    def summed(queryset, names):
        sums = {n: Sum(n) for n in names}
        return queryset.values(column).annotate(**sums) if column else [queryset.aggregate(**sums)]

    for row in [*summed(rows, flow_names()), *summed(rows.filter(day=period.last), STOCKS)]:
        target = out.setdefault(
            row.get(column) if column else None, dict.fromkeys(snapshots.counter_names(), 0)
        )
        for name, value in row.items():
            if name != column:
                target[name] += value or 0
    return out


TREND = ("received", "finished", "finished_on_time", "open_end", "open_on_time_end")


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def test_every_reading_of_the_rollups_equals_the_daily_rows(settings):
    """Whole months from the monthly rollup, edges from the days or as a month minus its other days, several
    groupings read at once, the trend's months: the same sums as the daily rows."""
    from reporting.engine import aggregate

    settings.KPI_TODAY_CACHE_SECONDS = 0
    generate(count=300, years=0.5, seed=7, communes=4, citizens=60, workers=1)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    snapshots.rebuild_range(today - dt.timedelta(days=200), yesterday)
    periods = [
        Period(dt.date(2026, 5, 3), dt.date(2026, 9, 27)),  # most of May, most of September
        Period(dt.date(2026, 5, 28), dt.date(2026, 9, 2)),  # a few days of each
        Period(dt.date(2026, 6, 1), dt.date(2026, 8, 31)),  # whole months
        Period(dt.date(2026, 7, 10), dt.date(2026, 7, 25)),  # inside one month
        Period(dt.date(2026, 8, 2), yesterday),  # into the current month
    ]
    agency = Dossier.objects.exclude(competent_agency=None).values_list("competent_agency", flat=True).first()
    for scope in (Scope(), Scope(agency_id=agency), Scope(channel=2)):
        for period in periods:
            for together in (False, True):
                with aggregate.one_read_per_request():
                    if together:  # as a dashboard reads them: with the trend, shared months read once
                        first_month = (period.last - dt.timedelta(days=120)).replace(day=1)
                        aggregate.prefetch_dashboard(
                            scope, period, (None, "procedure", "agency"), first_month, 5, TREND
                        )
                        for month_first, counts in aggregate.monthly(scope, first_month, 5, TREND):
                            if _month_end(month_first) >= today:
                                continue  # today's live figures are not in the daily rows
                            month = Period(month_first, _month_end(month_first))
                            expected = _naive(scope, month, None).get(None) or dict.fromkeys(TREND, 0)
                            assert counts == {n: expected[n] for n in TREND}, (scope, month)
                    else:
                        aggregate.prefetch(scope, period, (None, "procedure", "agency"))
                    for by in (None, "procedure", "agency", "unit"):
                        expected = {k: v for k, v in _naive(scope, period, by).items() if any(v.values())}
                        found = {k: v for k, v in totals_by(scope, period, by).items() if any(v.values())}
                        assert found == expected, (scope, period, by, together)
    months = aggregate.monthly(Scope(), dt.date(2026, 5, 1), 5)
    for first, counts in months:
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        assert counts == _naive(Scope(), Period(first, last), None).get(None, counts)
    assert sum(c["received"] for _m, c in months) > 0
