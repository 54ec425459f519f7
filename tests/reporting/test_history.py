"""Indicator 2a on hand-built histories: supplement time excluded, two supplements late, an apology does not make
a late dossier on time, a stop ends the dossier, a transfer changes nothing, the clock stops while waiting."""

from __future__ import annotations

import datetime as dt

from dossiers.constants import EventAction as A
from reporting.engine.history import Event, standing

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
DUE = T0 + dt.timedelta(days=10)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def ev(action, n, **payload) -> Event:
    return Event(action, day(n), payload)


def received(*more) -> list[Event]:
    return [ev(A.SUBMIT, -0.1), ev(A.RECEIVE, 0), ev(A.FORWARD, 0.1), ev(A.ASSIGN, 0.2), *more]


def at_end(events, n=60, **kw):
    return standing(events, original_due_at=DUE, at=day(n), **kw)


def test_finished_before_the_appointment_is_on_time():
    s = at_end(received(ev(A.APPROVE, 9), ev(A.DELIVER, 11)))
    assert s.finished and s.on_time and s.end_action == A.APPROVE
    assert s.processing_time == dt.timedelta(days=9)


def test_finished_after_the_appointment_is_late():
    s = at_end(received(ev(A.APPROVE, 12)))
    assert s.finished and not s.on_time


def test_one_supplement_moves_the_appointment_by_the_wait():
    # asked on day 3, supplemented on day 8: the appointment moves 5 days, to day 15
    s = at_end(
        received(
            ev(A.REQUEST_SUPPLEMENT, 3),
            ev(
                A.SUPPLEMENT,
                8,
                previous_due_at=DUE.isoformat(),
                due_at=(DUE + dt.timedelta(days=5)).isoformat(),
            ),
            ev(A.APPROVE, 14),
        )
    )
    assert s.on_time and s.supplement_requests == 1
    assert s.due_at == DUE + dt.timedelta(days=5)
    assert s.processing_time == dt.timedelta(days=9)


def test_two_supplements_count_late_whatever_the_dates():
    s = at_end(
        received(
            ev(A.REQUEST_SUPPLEMENT, 1),
            ev(A.SUPPLEMENT, 2, previous_due_at=DUE, due_at=DUE + dt.timedelta(days=1)),
            ev(A.REQUEST_SUPPLEMENT, 3),
            ev(
                A.SUPPLEMENT, 4, previous_due_at=DUE + dt.timedelta(days=1), due_at=DUE + dt.timedelta(days=2)
            ),
            ev(A.APPROVE, 5),
        )
    )
    assert s.finished and s.supplement_requests == 2 and not s.on_time


def test_an_apology_does_not_make_a_late_dossier_on_time():
    s = at_end(received(ev(A.APOLOGY, 9, new_due_at=day(20)), ev(A.APPROVE, 15)))
    assert s.apologies == 1 and not s.on_time


def test_a_stop_ends_the_dossier_on_time_when_before_the_appointment():
    s = at_end(received(ev(A.STOP, 4)))
    assert s.finished and s.end_action == A.STOP and s.on_time


def test_a_transfer_keeps_the_appointment():
    s = at_end(received(ev(A.TRANSFER, 2), ev(A.RETURN_TRANSFER, 6), ev(A.APPROVE, 11)))
    assert not s.on_time
    s = at_end(received(ev(A.TRANSFER, 2), ev(A.RETURN_TRANSFER, 6), ev(A.APPROVE, 9)))
    assert s.on_time


def test_running_dossiers_count_at_the_moment_asked():
    events = received()
    assert standing(events, original_due_at=DUE, at=day(5)).on_time
    late = standing(events, original_due_at=DUE, at=day(11))
    assert late.running and not late.on_time


def test_waiting_for_the_applicant_stops_the_clock_at_the_request():
    events = received(ev(A.REQUEST_SUPPLEMENT, 4))
    s = standing(events, original_due_at=DUE, at=day(30))
    assert s.running and s.on_time


def test_waiting_for_a_payment_stops_the_clock_only_when_configured():
    events = received(ev(A.REQUEST_PAYMENT, 4))
    assert standing(events, original_due_at=DUE, at=day(30), payment_stops_clock=True).on_time
    assert not standing(events, original_due_at=DUE, at=day(30), payment_stops_clock=False).on_time


def test_events_after_the_moment_are_not_read():
    s = standing(received(ev(A.APPROVE, 9)), original_due_at=DUE, at=day(5))
    assert s.running and s.finished_at is None


def test_a_dossier_never_received_does_not_count():
    s = standing([ev(A.SUBMIT, 0), ev(A.REFUSE, 1)], original_due_at=None, at=day(3))
    assert not s.received
