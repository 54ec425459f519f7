"""What one dossier's event history says at a moment: received? finished? on time? (QĐ 766, indicator 2a).

The rule, from the national portal's formula document (KPI766.md, group 2):
- the appointment is the one set at reception, moved only by the time the applicant spent supplementing (and, when
  the wait for a financial obligation stops the clock, by that wait) — each supplement and payment event records the
  appointment before and after;
- an apology (phiếu xin lỗi, hẹn lại) moves the date given to the applicant but not this appointment: a dossier
  finished after its appointment is late even with an apology (the apology is counted apart);
- the end is the approval of the result (status 9), else the stop (8) or the withdrawal (7); not finished at the
  moment ⇒ the moment itself; waiting for a supplement after only one request ⇒ the time of the request;
- more than one supplement request ⇒ late, whatever the dates.

This module is pure: it reads `Event` tuples so that the snapshot builder, the direct recomputation and the tests
share one definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dossiers.constants import EventAction

A = EventAction
RECEIVE_ACTIONS = frozenset({A.RECEIVE, A.RECEIVE_AT_COUNTER, A.RECEIVE_BY_POST})
END_ACTIONS = frozenset({A.APPROVE, A.STOP, A.WITHDRAW})
SHIFT_ACTIONS = frozenset({A.SUPPLEMENT, A.RECORD_PAYMENT})
# Every action the classification reads; the others (messages, warnings, handovers) are never loaded.
READ_ACTIONS = tuple(
    sorted(
        RECEIVE_ACTIONS
        | END_ACTIONS
        | SHIFT_ACTIONS
        | {A.REQUEST_SUPPLEMENT, A.REQUEST_PAYMENT, A.APOLOGY, A.TRANSFER, A.DELIVER}
    )
)


@dataclass(frozen=True)
class Event:
    action: str
    at: dt.datetime
    payload: dict


@dataclass(frozen=True)
class Standing:
    """A dossier at one moment: received, finished (and how), on time, and the working figures behind it."""

    received_at: dt.datetime | None
    finished_at: dt.datetime | None
    end_action: str
    on_time: bool
    due_at: dt.datetime | None
    supplement_requests: int
    waited: dt.timedelta
    apologies: int

    @property
    def received(self) -> bool:
        return self.received_at is not None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def running(self) -> bool:
        return self.received and not self.finished

    @property
    def processing_time(self) -> dt.timedelta | None:
        """From reception to the end, the applicant's waits excluded (indicator 2b)."""
        if not (self.received_at and self.finished_at):
            return None
        return max(self.finished_at - self.received_at - self.waited, dt.timedelta(0))


def _moment(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def standing(
    events: Iterable[Event],
    *,
    original_due_at: dt.datetime | None,
    at: dt.datetime,
    payment_stops_clock: bool = True,
) -> Standing:
    """The dossier at `at`, read from its events (in time order) up to and including `at`."""
    received_at = finished_at = None
    end_action = ""
    due = original_due_at
    requests = apologies = 0
    waiting_since: dt.datetime | None = None
    waiting_kind = ""
    waited = dt.timedelta(0)
    for event in events:
        if event.at > at:
            break
        action = event.action
        if action in RECEIVE_ACTIONS and received_at is None:
            received_at = event.at
        if received_at is None or finished_at is not None:
            continue
        if action == A.REQUEST_SUPPLEMENT:
            requests += 1
            waiting_since, waiting_kind = event.at, action
        elif action == A.REQUEST_PAYMENT:
            waiting_since, waiting_kind = event.at, action
        elif action in SHIFT_ACTIONS:
            before, after = (
                _moment(event.payload.get("previous_due_at")),
                _moment(event.payload.get("due_at")),
            )
            if due is not None and before is not None and after is not None:
                due = due + (after - before)
            if waiting_since is not None and (waiting_kind == A.REQUEST_SUPPLEMENT or payment_stops_clock):
                waited += event.at - waiting_since
            waiting_since, waiting_kind = None, ""
        elif action == A.APOLOGY:
            apologies += 1
        elif action in END_ACTIONS:
            finished_at, end_action = event.at, action
    if received_at is None:
        return Standing(None, None, "", False, due, requests, waited, apologies)
    if finished_at is not None:
        end = finished_at
    elif waiting_since is not None and (waiting_kind == A.REQUEST_SUPPLEMENT or payment_stops_clock):
        # Waiting for the applicant: the clock stopped at the request.
        end = waiting_since
    else:
        end = at
    on_time = requests < 2 and (due is None or end <= due)
    return Standing(received_at, finished_at, end_action, on_time, due, requests, waited, apologies)
