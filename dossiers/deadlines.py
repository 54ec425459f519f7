"""The dossier's deadline rules, in one place: pure functions over a working calendar, no database.

The calendar (working days and hours, holidays, make-up days, the cut-off hour) is `portal.working_time`;
what a dossier does with it is here (NĐ 118/2025/NĐ-CP; DOMAIN §4.4):

- the appointment: the procedure's time limit for the channel, counted from reception, from the next
  working day when received after the cut-off hour;
- each step of the internal process has its share of the legal time, counted from its handover without
  the cut-off, and never ends after the dossier's appointment;
- the clock stops while the dossier waits for the applicant (supplement, payment): the time left is
  frozen, and the appointment moves by the working time waited;
- outcome: late after the deadline, on time on the deadline's own day, early on an earlier day;
- status of a running dossier: overdue, due soon (less than a share of the legal time left), on track.

Services, selectors, the deadline sweep and the KPI engine call these functions with the calendar loaded
once (`portal.working_time.load_calendar`) and with plain values read from the dossier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.utils import timezone

from portal.working_time import WorkingCalendar
from procedures.constants import TimeUnit

from .constants import DeadlineStatus, Outcome


class TimeLimit(Protocol):
    """A legal processing time: `amount` working days or working hours (`procedures.ProcessingTime`)."""

    amount: Decimal | float
    unit: str


def legal_minutes(limit: TimeLimit | None, calendar: WorkingCalendar) -> float | None:
    """The legal processing time in working minutes; None when the procedure sets none."""
    if limit is None:
        return None
    if limit.unit == TimeUnit.WORKING_HOURS:
        return float(limit.amount) * 60
    return float(limit.amount) * calendar.day_minutes


def appointment(
    limit: TimeLimit | None, received_at: dt.datetime, calendar: WorkingCalendar
) -> dt.datetime | None:
    """Appointment date (ngày hẹn trả kết quả): the time limit in working time from reception, counting from
    the next working moment — the next working day when received after the cut-off hour."""
    minutes = legal_minutes(limit, calendar)
    if minutes is None:
        return None
    return calendar.add_working_minutes(calendar.counting_start(received_at), minutes)


def step_due(
    *,
    handed_at: dt.datetime,
    minutes: float | None,
    dossier_due_at: dt.datetime | None,
    calendar: WorkingCalendar,
) -> dt.datetime | None:
    """A step's deadline: `minutes` of working time from the handover (no cut-off: the step starts when it is
    handed over), never after the dossier's appointment. Without minutes, the appointment itself."""
    if minutes is None:
        return dossier_due_at
    due = calendar.add_working_minutes(
        calendar.counting_start(handed_at, apply_cutoff=False), max(minutes, 0)
    )
    return min(due, dossier_due_at) if dossier_due_at else due


def step_share_minutes(share_percent: Decimal | float, total_minutes: float | None) -> float | None:
    """A step's share of the legal time (phần trăm thời gian của bước trong quy trình nội bộ), in minutes."""
    if total_minutes is None:
        return None
    return float(share_percent) / 100 * total_minutes


def minutes_left(*, now: dt.datetime, due_at: dt.datetime, calendar: WorkingCalendar) -> float:
    """Working minutes from `now` to `due_at`, never negative: what a step has left when the clock stops."""
    return max(calendar.working_minutes_between(now, due_at), 0)


def time_left(
    *,
    now: dt.datetime,
    due_at: dt.datetime,
    clock_stopped_at: dt.datetime | None,
    calendar: WorkingCalendar,
) -> float:
    """Working minutes left until `due_at` (negative once past it). While the clock is stopped the time left
    is the time left when it stopped."""
    return calendar.working_minutes_between(clock_stopped_at or now, due_at)


@dataclass(frozen=True)
class ClockRestart:
    """The appointment after a stop of the clock, and the working minutes waited."""

    due_at: dt.datetime | None
    waited_minutes: float


def clock_restart(
    *,
    due_at: dt.datetime | None,
    stopped_at: dt.datetime | None,
    resumed_at: dt.datetime,
    calendar: WorkingCalendar,
) -> ClockRestart:
    """The appointment pushed forward by the working time the dossier waited with the clock stopped
    (time to supplement or to pay is not counted in the processing time)."""
    if stopped_at is None or due_at is None:
        return ClockRestart(due_at=due_at, waited_minutes=0.0)
    waited = max(calendar.working_minutes_between(stopped_at, resumed_at), 0.0)
    if waited == 0:
        return ClockRestart(due_at=due_at, waited_minutes=0.0)
    return ClockRestart(due_at=calendar.add_working_minutes(due_at, waited), waited_minutes=waited)


def outcome(*, finished_at: dt.datetime, due_at: dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    """Trước hạn / đúng hạn / quá hạn: late after the deadline; on time when finished on the deadline's own
    local day (in `tz`, the portal's time zone unless given); early when finished on an earlier day. Empty
    when there was no deadline."""
    if due_at is None:
        return ""
    if finished_at > due_at:
        return Outcome.LATE
    if timezone.localdate(finished_at, tz) < timezone.localdate(due_at, tz):
        return Outcome.EARLY
    return Outcome.ON_TIME


def status(
    *,
    now: dt.datetime,
    due_at: dt.datetime | None,
    clock_stopped_at: dt.datetime | None,
    total_minutes: float | None,
    warning_share: float,
    calendar: WorkingCalendar,
) -> str:
    """On track, due soon (less than `warning_share` of the legal time left) or overdue."""
    if due_at is None:
        return DeadlineStatus.ON_TRACK
    remaining = time_left(now=now, due_at=due_at, clock_stopped_at=clock_stopped_at, calendar=calendar)
    if remaining < 0 or (remaining == 0 and now > due_at):
        return DeadlineStatus.OVERDUE
    if total_minutes and remaining < warning_share * total_minutes:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.ON_TRACK


@dataclass(frozen=True)
class RemainingTime:
    """Working time left (or past, when negative), shown as days and hours of working time."""

    minutes: float
    day_minutes: int

    @property
    def overdue(self) -> bool:
        return self.minutes < 0

    @property
    def days(self) -> int:
        return int(abs(self.minutes) // self.day_minutes)

    @property
    def hours(self) -> int:
        return int((abs(self.minutes) % self.day_minutes) // 60)

    @property
    def label(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days} ngày")
        if self.hours or not self.days:
            parts.append(f"{self.hours} giờ")
        text = " ".join(parts) + " làm việc"
        return f"Quá hạn {text}" if self.overdue else f"Còn {text}"


def answer_due(*, received_at: dt.datetime, working_days: float, calendar: WorkingCalendar) -> dt.datetime:
    """Deadline to answer a feedback or complaint (PAKN): `working_days` working days counted like a dossier's
    appointment, from the next working moment (the next working day when received after the cut-off)."""
    return calendar.add_working_minutes(
        calendar.counting_start(received_at), working_days * calendar.day_minutes
    )


def is_overdue(*, now: dt.datetime, due_at: dt.datetime | None) -> bool:
    """Past its deadline (the deadline's own moment still counts as in time)."""
    return due_at is not None and now > due_at
