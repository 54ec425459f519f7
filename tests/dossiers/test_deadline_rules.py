"""The dossier's deadline rules (`dossiers.deadlines`) on a fixed calendar, with fixed moments: no database,
no wall clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dossiers import deadlines
from dossiers.constants import DeadlineStatus, Outcome
from portal.working_time import WorkingCalendar
from procedures.constants import TimeUnit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday–Friday, 07:00–11:30 and 13:30–17:00 (480 minutes a day), 16:00 cut-off; Tuesday 2/9/2025 is a holiday.
CALENDAR = WorkingCalendar(holidays=frozenset({dt.date(2025, 9, 2)}), tz=VN)
DAY = CALENDAR.day_minutes


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


@dataclass
class Limit:
    amount: Decimal
    unit: str = TimeUnit.WORKING_DAYS


def test_a_working_day_is_the_length_of_its_windows():
    assert DAY == 480


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (Limit(Decimal(3)), 3 * 480),
        (Limit(Decimal("0.5")), 240),
        (Limit(Decimal(4), TimeUnit.WORKING_HOURS), 240),
        (None, None),
    ],
)
def test_legal_minutes(limit, expected):
    assert deadlines.legal_minutes(limit, CALENDAR) == expected


@pytest.mark.parametrize(
    ("received", "limit", "due"),
    [
        # Monday 09:00 + 3 days: the same time on Thursday
        (at(2025, 9, 8, 9, 0), Limit(Decimal(3)), at(2025, 9, 11, 9, 0)),
        # after the 16:00 cut-off: counted from Tuesday 07:00, due at closing time on Thursday
        (at(2025, 9, 8, 16, 30), Limit(Decimal(3)), at(2025, 9, 11, 17, 0)),
        # Friday 29/8 10:00 + 2 days crosses the weekend and the holiday of Tuesday 2/9
        (at(2025, 8, 29, 10, 0), Limit(Decimal(2)), at(2025, 9, 3, 10, 0)),
        # on a Sunday: counted from Monday morning
        (at(2025, 9, 7, 10, 0), Limit(Decimal(1)), at(2025, 9, 8, 17, 0)),
        # 4 working hours from 10:30 cross the lunch break
        (at(2025, 9, 8, 10, 30), Limit(Decimal(4), TimeUnit.WORKING_HOURS), at(2025, 9, 8, 16, 30)),
        # no time limit, no appointment
        (at(2025, 9, 8, 9, 0), None, None),
    ],
)
def test_appointment_from_reception(received, limit, due):
    assert deadlines.appointment(limit, received, CALENDAR) == due


def test_a_step_is_due_after_its_share_counted_from_the_handover_without_cut_off():
    # a 25 % step of a 4-day procedure (1 day) handed over at 16:30: no cut-off for steps, 30 minutes count today
    minutes = deadlines.step_share_minutes(Decimal(25), 4 * DAY)
    assert minutes == DAY
    due = deadlines.step_due(
        handed_at=at(2025, 9, 8, 16, 30), minutes=minutes, dossier_due_at=None, calendar=CALENDAR
    )
    assert due == at(2025, 9, 9, 16, 30)


def test_a_step_never_ends_after_the_appointment():
    appointment = at(2025, 9, 9, 10, 0)
    due = deadlines.step_due(
        handed_at=at(2025, 9, 8, 9, 0), minutes=2 * DAY, dossier_due_at=appointment, calendar=CALENDAR
    )
    assert due == appointment


def test_a_step_without_a_share_is_due_at_the_appointment():
    appointment = at(2025, 9, 12, 17, 0)
    assert deadlines.step_share_minutes(Decimal(30), None) is None
    assert (
        deadlines.step_due(
            handed_at=at(2025, 9, 8, 9, 0), minutes=None, dossier_due_at=appointment, calendar=CALENDAR
        )
        == appointment
    )


def test_time_left_runs_and_turns_negative_after_the_deadline():
    due = at(2025, 9, 9, 9, 0)
    assert (
        deadlines.time_left(now=at(2025, 9, 8, 9, 0), due_at=due, clock_stopped_at=None, calendar=CALENDAR)
        == DAY
    )
    assert (
        deadlines.time_left(now=at(2025, 9, 9, 10, 0), due_at=due, clock_stopped_at=None, calendar=CALENDAR)
        == -60
    )


def test_time_left_is_frozen_while_the_clock_is_stopped():
    due = at(2025, 9, 12, 9, 0)
    stopped = at(2025, 9, 11, 9, 0)
    a_week_later = at(2025, 9, 19, 9, 0)
    frozen = deadlines.time_left(now=a_week_later, due_at=due, clock_stopped_at=stopped, calendar=CALENDAR)
    assert frozen == DAY


def test_what_a_step_has_left_is_never_negative():
    assert (
        deadlines.minutes_left(now=at(2025, 9, 8, 9, 0), due_at=at(2025, 9, 8, 10, 0), calendar=CALENDAR)
        == 60
    )
    assert (
        deadlines.minutes_left(now=at(2025, 9, 8, 11, 0), due_at=at(2025, 9, 8, 10, 0), calendar=CALENDAR)
        == 0
    )


def test_the_appointment_moves_by_the_working_time_waited():
    # stopped Friday 5/9 at 15:00, resumed Wednesday 10/9 at 08:00: 2 h Friday, 8 h Monday, 8 h Tuesday, 1 h Wednesday
    restart = deadlines.clock_restart(
        due_at=at(2025, 9, 12, 9, 0),
        stopped_at=at(2025, 9, 5, 15, 0),
        resumed_at=at(2025, 9, 10, 8, 0),
        calendar=CALENDAR,
    )
    assert restart.waited_minutes == 120 + 2 * DAY + 60
    assert restart.due_at == at(2025, 9, 16, 14, 0)


def test_the_appointment_does_not_move_when_nothing_was_waited_or_the_clock_never_stopped():
    due = at(2025, 9, 12, 9, 0)
    # stopped Saturday, resumed Sunday: no working time waited
    weekend = deadlines.clock_restart(
        due_at=due, stopped_at=at(2025, 9, 13, 9, 0), resumed_at=at(2025, 9, 14, 9, 0), calendar=CALENDAR
    )
    assert weekend == deadlines.ClockRestart(due_at=due, waited_minutes=0.0)
    never = deadlines.clock_restart(
        due_at=due, stopped_at=None, resumed_at=at(2025, 9, 14, 9, 0), calendar=CALENDAR
    )
    assert never == deadlines.ClockRestart(due_at=due, waited_minutes=0.0)


@pytest.mark.parametrize(
    ("finished", "outcome"),
    [
        (at(2025, 9, 10, 16, 0), Outcome.EARLY),  # an earlier day
        (at(2025, 9, 11, 8, 0), Outcome.ON_TIME),  # the deadline's own day, before the hour
        (at(2025, 9, 11, 10, 0), Outcome.ON_TIME),  # exactly at the deadline
        (at(2025, 9, 11, 10, 1), Outcome.LATE),
        # 23:30 local on the 10th is 16:30 UTC the same day: still an earlier day in Việt Nam
        (dt.datetime(2025, 9, 10, 16, 30, tzinfo=dt.UTC), Outcome.EARLY),
    ],
)
def test_outcome_against_the_deadline(finished, outcome):
    assert deadlines.outcome(finished_at=finished, due_at=at(2025, 9, 11, 10, 0), tz=VN) == outcome


def test_no_deadline_no_outcome():
    assert deadlines.outcome(finished_at=at(2025, 9, 11, 10, 0), due_at=None, tz=VN) == ""


@pytest.mark.parametrize(
    ("now", "stopped", "status"),
    [
        (at(2025, 9, 8, 9, 0), None, DeadlineStatus.ON_TRACK),  # 4 days left of 5
        (at(2025, 9, 11, 10, 0), None, DeadlineStatus.DUE_SOON),  # less than a day (20 % of 5) left
        (at(2025, 9, 12, 9, 0), None, DeadlineStatus.DUE_SOON),  # at the deadline: not yet overdue
        (at(2025, 9, 12, 9, 1), None, DeadlineStatus.OVERDUE),
        (at(2025, 9, 12, 20, 0), None, DeadlineStatus.OVERDUE),  # after hours, nothing left
        (
            at(2025, 9, 30, 9, 0),
            at(2025, 9, 8, 9, 0),
            DeadlineStatus.ON_TRACK,
        ),  # clock stopped with 4 days left
    ],
)
def test_status_of_a_running_dossier(now, stopped, status):
    result = deadlines.status(
        now=now,
        due_at=at(2025, 9, 12, 9, 0),
        clock_stopped_at=stopped,
        total_minutes=5 * DAY,
        warning_share=0.2,
        calendar=CALENDAR,
    )
    assert result == status


def test_a_dossier_without_appointment_is_on_track():
    result = deadlines.status(
        now=at(2025, 9, 8, 9, 0),
        due_at=None,
        clock_stopped_at=None,
        total_minutes=None,
        warning_share=0.2,
        calendar=CALENDAR,
    )
    assert result == DeadlineStatus.ON_TRACK


@pytest.mark.parametrize(
    ("minutes", "label", "overdue"),
    [
        (2 * 480 + 180, "Còn 2 ngày 3 giờ làm việc", False),
        (30, "Còn 0 giờ làm việc", False),
        (-480, "Quá hạn 1 ngày làm việc", True),
    ],
)
def test_remaining_time_label(minutes, label, overdue):
    remaining = deadlines.RemainingTime(minutes=minutes, day_minutes=480)
    assert (remaining.label, remaining.overdue) == (label, overdue)
