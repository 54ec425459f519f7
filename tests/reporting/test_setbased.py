"""The rebuild in SQL (`reporting.engine.setbased`, PostgreSQL) gives the same day rows and outcomes as the Python
rule (`history.standing` through `snapshots.build_day`), cell by cell and day by day: on generated dossiers (with
supplements, payments, apologies, transfers, stops and withdrawals) under both settings of the payment clock, and on
hand-written histories with the edge cases (events at the same instant, events before the reception and after the
end, a second reception, two supplements, a payment wait, a supplement shift without dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dossiers.constants import EventAction as A
from dossiers.generator import generate
from dossiers.models import Dossier, DossierEvent
from reporting.engine import setbased, snapshots
from reporting.models import KpiOutcome, KpiSnapshot

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CELL = ("agency_id", "procedure_id", "unit_id", "channel")
OUTCOME = ("day", "agency_id", "procedure_id", "unit_id", "channel", "on_time", "end_action")


def _python(first: dt.date, last: dt.date):
    """The rows and outcomes the Python rule gives, day by day (the facts of the whole period loaded once)."""
    start, _ = snapshots.day_bounds(first)
    _, end = snapshots.day_bounds(last)
    facts = snapshots.load_facts(
        snapshots.relevant_dossier_ids(start, end), until=end, units=snapshots.agency_units()
    )
    rows, outcomes = {}, {}
    day = first
    while day <= last:
        build = snapshots.build_day(day, facts)
        for row in build.rows:
            rows[(day, *(getattr(row, c) for c in CELL))] = {
                n: getattr(row, n) for n in snapshots.counter_names()
            }
        for o in build.outcomes:
            outcomes[o.dossier_id] = (
                *(getattr(o, c) for c in OUTCOME),
                o.supplement_requests,
                o.apologies,
            )
        day += dt.timedelta(days=1)
    return rows, outcomes


def _stored(first: dt.date, last: dt.date):
    rows = {
        (r.day, *(getattr(r, c) for c in CELL)): {n: getattr(r, n) for n in snapshots.counter_names()}
        for r in KpiSnapshot.objects.filter(day__gte=first, day__lte=last)
    }
    outcomes = {
        o.dossier_id: (*(getattr(o, c) for c in OUTCOME), o.supplement_requests, o.apologies)
        for o in KpiOutcome.objects.filter(day__gte=first, day__lte=last)
    }
    return rows, outcomes


def _late(build) -> set:
    return {(pk, key, s.due_at, s.supplement_requests, s.received_at) for pk, key, s in build.running_late}


def _compare_live(day: dt.date) -> set:
    """A day built in SQL without storing it (today's live figures) equals the Python build of that day."""
    start, end = snapshots.day_bounds(day)
    facts = snapshots.load_facts(
        snapshots.relevant_dossier_ids(start, end), until=end, units=snapshots.agency_units()
    )
    expected, found = snapshots.build_day(day, facts), setbased.build(day)

    def cells(build):
        return {
            (r.day, *(getattr(r, c) for c in CELL)): {n: getattr(r, n) for n in snapshots.counter_names()}
            for r in build.rows
        }

    def outcomes(build):
        return {
            (o.dossier_id, *(getattr(o, c) for c in OUTCOME), o.supplement_requests) for o in build.outcomes
        }

    assert cells(found) == cells(expected)
    assert outcomes(found) == outcomes(expected)
    assert _late(found) == _late(expected)
    return _late(found)


def _compare(first: dt.date, last: dt.date) -> dict:
    _compare_live(last)
    expected_rows, expected_outcomes = _python(first, last)
    setbased.rebuild(first, last)
    rows, outcomes = _stored(first, last)
    assert set(rows) == set(expected_rows)
    for key, counts in expected_rows.items():
        assert rows[key] == counts, key
    assert outcomes == expected_outcomes
    return expected_rows


@pytest.mark.parametrize("stops_clock", [True, False])
def test_the_sql_rebuild_equals_the_python_rule_on_generated_dossiers(settings, stops_clock):
    settings.DOSSIER_PAYMENT_STOPS_CLOCK = stops_clock
    generate(count=400, years=0.3, seed=11, communes=4, citizens=60, workers=1)
    today = timezone.localdate()
    first = today - dt.timedelta(days=110)
    rows = _compare(first, today - dt.timedelta(days=1))
    totals = {n: sum(c[n] for c in rows.values()) for n in snapshots.counter_names()}
    # the data exercises every part of the rule
    for name in ("received", "finished", "finished_on_time", "supplements", "open_end", "open_on_time_end"):
        assert totals[name] > 0, name
    assert totals["finished"] > totals["finished_on_time"]
    assert totals["open_end"] > totals["open_on_time_end"]
    # a single day, and a period starting mid-way, agree too
    _compare(today - dt.timedelta(days=30), today - dt.timedelta(days=30))
    _compare(today - dt.timedelta(days=45), today - dt.timedelta(days=20))


def _history(dossier: Dossier, *events) -> None:
    for action, at, payload in events:
        DossierEvent.objects.create(dossier=dossier, action=action, at=at, payload=payload)


@pytest.mark.parametrize("stops_clock", [True, False])
def test_the_sql_rebuild_equals_the_python_rule_on_edge_histories(province, settings, stops_clock):
    from tests.dossiers.factories import draft

    settings.DOSSIER_PAYMENT_STOPS_CLOCK = stops_clock
    tz = timezone.get_current_timezone()
    t0 = dt.datetime(2026, 9, 7, 9, 0, tzinfo=tz)

    def at(days: float) -> dt.datetime:
        return t0 + dt.timedelta(days=days)

    def shift(before: float, after: float) -> dict:
        return {"previous_due_at": at(before).isoformat(), "due_at": at(after).isoformat()}

    def dossier(due_days: float | None) -> Dossier:
        d = draft(province)
        Dossier.objects.filter(pk=d.pk).update(
            original_due_at=at(due_days) if due_days is not None else None,
            received_at=at(0),
            finished_at=None,
        )
        return d

    # a request before the reception and a second reception (both ignored by the rule), a supplement
    _history(
        dossier(5),
        (A.REQUEST_SUPPLEMENT, at(-1), {}),
        (A.RECEIVE, at(0), {}),
        (A.RECEIVE_AT_COUNTER, at(0.5), {}),
        (A.REQUEST_SUPPLEMENT, at(1), {}),
        (A.SUPPLEMENT, at(3), shift(5, 7)),
        (A.APPROVE, at(6.5), {}),
        (A.APOLOGY, at(8), {}),
    )
    # two supplements: late whatever the dates; waiting at the end of some days
    _history(
        dossier(20),
        (A.RECEIVE, at(0), {}),
        (A.REQUEST_SUPPLEMENT, at(1), {}),
        (A.SUPPLEMENT, at(2), shift(20, 21)),
        (A.REQUEST_SUPPLEMENT, at(3), {}),
        (A.SUPPLEMENT, at(4.2), shift(21, 22.2)),
        (A.WITHDRAW, at(9), {}),
    )
    # a payment wait, a transfer, an apology, late at the end, events at the same instant as the reception
    _history(
        dossier(2),
        (A.TRANSFER, at(0), {}),
        (A.RECEIVE_BY_POST, at(0), {}),
        (A.APOLOGY, at(0), {}),
        (A.REQUEST_PAYMENT, at(1), {}),
        (A.RECORD_PAYMENT, at(2.5), shift(2, 3.5)),
        (A.TRANSFER, at(3), {}),
        (A.APOLOGY, at(4), {}),
        (A.APPROVE, at(4), {}),
        (A.STOP, at(4), {}),
    )
    # no appointment; a supplement whose event lacks the dates; still running at the period's end, waiting
    _history(
        dossier(None),
        (A.RECEIVE, at(0), {}),
        (A.REQUEST_SUPPLEMENT, at(1), {}),
        (A.SUPPLEMENT, at(2), {"due_at": None}),
        (A.REQUEST_PAYMENT, at(3), {}),
    )
    # running, waiting for a payment after its appointment passed
    _history(
        dossier(1),
        (A.RECEIVE, at(0), {}),
        (A.REQUEST_SUPPLEMENT, at(0.2), {}),
        (A.REQUEST_PAYMENT, at(2), {}),
    )
    # submitted, never received
    _history(dossier(3), (A.REQUEST_SUPPLEMENT, at(1), {}))
    rows = _compare(dt.date(2026, 9, 5), dt.date(2026, 9, 20))
    for day in (dt.date(2026, 9, 7), dt.date(2026, 9, 8), dt.date(2026, 9, 9)):
        _compare_live(day)
    # on 11/09 the twice-asked dossier and the one waiting for a payment past its appointment are late
    assert len(_compare_live(dt.date(2026, 9, 11))) == 2
    assert sum(c["received"] for c in rows.values()) == 5
    assert sum(c["supplements"] for c in rows.values()) == 5
