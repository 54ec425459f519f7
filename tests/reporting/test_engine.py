"""The index from dossiers built through the services: snapshots equal a direct recomputation from the raw rows,
indicators have their known values, data that does not exist is "no data", never zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from dossiers import services
from dossiers.constants import EventAction
from dossiers.models import Dossier
from procedures.constants import Channel
from reporting.engine import index, snapshots
from reporting.engine.aggregate import Period, Scope, totals
from reporting.engine.history import READ_ACTIONS, Event, standing
from reporting.models import KpiOutcome, KpiSnapshot
from tests.dossiers.factories import appraising, counter_received, received

pytestmark = pytest.mark.date_sensitive
TZ = dt.timezone(dt.timedelta(hours=7))
MONDAY = dt.datetime(2026, 9, 7, 9, 0, tzinfo=TZ)
REASON = "Người nộp không bổ sung hồ sơ trong thời hạn đã thông báo."


def _build(province):
    """Five dossiers over a week: online received, counter received, one stopped, one asked for a supplement
    twice (late whatever the dates), one paid online."""
    with time_machine.travel(MONDAY, tick=False):
        online = received(province, at=MONDAY)
        counter = counter_received(province, at=MONDAY)
        stopped = appraising(province, at=MONDAY)
        twice = appraising(province, at=MONDAY)
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        services.dossier_stop(dossier=stopped, actor=province.approver, reason=REASON)
        services.dossier_request_supplement(dossier=twice, actor=province.specialist, reason="Thiếu bản vẽ.")
    # the payments module sets the flag on a settled fee (DuocThanhToanTrucTuyen)
    Dossier.objects.filter(pk=online.pk).update(paid_online=True)
    return {"online": online, "counter": counter, "stopped": stopped, "twice": twice}


def _direct(first: dt.date, last: dt.date) -> dict[str, int]:
    """The same figures straight from the dossiers and their events, with no snapshot."""
    end = dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    start = dt.datetime.combine(first, dt.time.min, tzinfo=timezone.get_current_timezone())
    out = dict.fromkeys(
        ["received", "received_online", "finished", "finished_on_time", "open_end", "open_on_time_end"], 0
    )
    for dossier in Dossier.objects.all():
        events = [
            Event(e.action, e.at, e.payload)
            for e in dossier.events.filter(action__in=READ_ACTIONS).order_by("at", "id")
        ]
        s = standing(events, original_due_at=dossier.original_due_at, at=end - dt.timedelta(microseconds=1))
        if not s.received:
            continue
        if start <= s.received_at < end:
            out["received"] += 1
            out["received_online"] += dossier.channel == Channel.ONLINE
        if s.finished and start <= s.finished_at < end:
            out["finished"] += 1
            out["finished_on_time"] += s.on_time
        if s.running:
            out["open_end"] += 1
            out["open_on_time_end"] += s.on_time
    return out


def test_snapshots_equal_a_direct_recomputation(province):
    _build(province)
    first, last = dt.date(2026, 9, 7), dt.date(2026, 9, 30)
    snapshots.rebuild_range(first, last)
    engine = totals(Scope(), Period(first, last))
    assert {k: engine[k] for k in _direct(first, last)} == _direct(first, last)
    # and a rebuild is idempotent
    rows = KpiSnapshot.objects.count()
    snapshots.rebuild_range(first, last)
    assert KpiSnapshot.objects.count() == rows
    assert totals(Scope(), Period(first, last)) == engine


def test_indicators_have_their_known_values(province):
    built = _build(province)
    first, last = dt.date(2026, 9, 7), dt.date(2026, 9, 30)
    snapshots.rebuild_range(first, last)
    result = index.compute(Scope(), Period(first, last))
    t = totals(Scope(), Period(first, last))
    assert t["received"] == 4 and t["received_online"] == 3 and t["stopped"] == 1 and t["supplements"] == 1
    # 2a: the stopped dossier finished on time; the three running ones are past their appointment on 30/09
    # except the one waiting for its supplement (the clock stopped at the request)
    on_time = result.result("ON_TIME")
    assert (on_time.ratio.numerator, on_time.ratio.denominator) == (Decimal(2), Decimal(4))
    assert on_time.value == Decimal("50.00") and on_time.points == Decimal("10.00")
    # 3c online share 3/4 = 75 % ≥ 50 % threshold: full 6 points
    assert result.result("ONLINE_SHARE").points == Decimal("6.00")
    # no source yet: "no data", never zero
    for code in ("DOSSIER_SYNC", "PETITION_ON_TIME", "DOSSIER_SATISFACTION", "FEE_INTEGRATED"):
        assert result.result(code).value is None and result.result(code).points is None
    assert result.points_with_data < result.max_points == Decimal(100)
    # the stopped dossier's outcome is kept for the drill-down
    assert KpiOutcome.objects.get(dossier=built["stopped"]).on_time


def test_paid_online_counts_fee_bearing_dossiers(province):
    from procedures.models import Fee

    Fee.objects.create(version=province.version, name="Lệ phí cấp giấy phép", amount=Decimal(75000))
    _build(province)
    first, last = dt.date(2026, 9, 7), dt.date(2026, 9, 30)
    snapshots.rebuild_range(first, last)
    result = index.compute(Scope(), Period(first, last))
    paid = result.result("PAID_ONLINE")
    assert (paid.ratio.numerator, paid.ratio.denominator) == (Decimal(1), Decimal(4))
    assert paid.value == Decimal("25.00")
    assert result.result("FEE_TRANSACTIONS").value == Decimal("100.00")


def test_a_second_supplement_makes_the_dossier_late(province):
    built = _build(province)
    twice = built["twice"]
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        from tests.dossiers.factories import png_upload

        components = list(twice.procedure_version.components.order_by("order"))
        twice = services.dossier_supplement_at_desk(
            dossier=Dossier.objects.get(pk=twice.pk),
            actor=province.officer,
            uploads=[services.ComponentUpload(component=c, upload=png_upload()) for c in components],
        )
        services.dossier_request_supplement(
            dossier=twice, actor=province.specialist, reason="Thiếu bản vẽ lần 2."
        )
    snapshots.rebuild_range(dt.date(2026, 9, 7), dt.date(2026, 9, 10))
    t = totals(Scope(), Period(dt.date(2026, 9, 9), dt.date(2026, 9, 9)))
    # on 09/09 nothing is past its appointment yet, but the twice-asked dossier already counts late
    assert t["open_end"] == 3 and t["open_on_time_end"] == 2
    assert twice.events.filter(action=EventAction.REQUEST_SUPPLEMENT).count() == 2


def test_today_is_live_on_top_of_the_snapshots(province):
    _build(province)
    snapshots.rebuild_range(dt.date(2026, 9, 7), dt.date(2026, 10, 13))
    today = timezone.localdate()
    with_today = totals(Scope(), Period(dt.date(2026, 9, 1), today))
    counter_received(province)
    assert totals(Scope(), Period(dt.date(2026, 9, 1), today))["received"] == with_today["received"] + 1


def test_kept_figures_are_dropped_by_a_rebuild(province, settings):
    """The dashboard figures a process keeps per (scope, period) are never older than the snapshots."""
    settings.KPI_DASHBOARD_CACHE_SECONDS = 600
    first, last = dt.date(2026, 9, 7), dt.date(2026, 9, 30)
    _build(province)
    snapshots.rebuild_range(first, last)
    before = totals(Scope(), Period(first, last))
    assert before["received"] == 4
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        counter_received(province)
    assert totals(Scope(), Period(first, last))["received"] == 4  # kept: no rebuild yet
    snapshots.rebuild_day(dt.date(2026, 9, 9))
    assert totals(Scope(), Period(first, last))["received"] == 5
