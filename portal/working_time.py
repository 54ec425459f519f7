"""Working-time arithmetic on the province's calendar.

Deadlines of administrative procedures run in working days or hours (NĐ 118/2025/NĐ-CP): Monday to
Friday, morning and afternoon windows, minus public holidays, plus make-up working days. One working
day is the length of the day's windows, so "N days" and "N × day-length hours" agree. A dossier received
after the cut-off hour, outside the windows or on a day off counts from the next working moment.

`WorkingCalendar` is a plain object built once from the database (`load_calendar`) and reused for a
whole batch: a sweep over thousands of dossiers makes one query.

Working time is read from a table of cumulative working time per calendar day (the working time from an
origin day to the start of each day), built once per calendar content and kept in the process: the working
time between two moments is two look-ups and a subtraction, and a moment N minutes later is a binary search,
however far apart the moments are. Everything is counted in whole microseconds so that results are exact.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .constants import CalendarDayKind

# A calendar with no working day at all would make the search below endless; ten years is far beyond any deadline.
_MAX_DAYS_SCANNED = 3660
_US_PER_MINUTE = 60_000_000
_US_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class WorkingCalendar:
    windows: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(7, 0), dt.time(11, 30)),
        (dt.time(13, 30), dt.time(17, 0)),
    )
    weekly_working_days: int = 0b0011111
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_working_days: frozenset[dt.date] = field(default_factory=frozenset)
    cutoff: dt.time | None = dt.time(16, 0)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(settings.TIME_ZONE))

    @property
    def day_minutes(self) -> int:
        return sum(_minutes(end) - _minutes(start) for start, end in self.windows)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.holidays:
            return False
        return bool(self.weekly_working_days & (1 << day.weekday()))

    def _windows_on(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        if self.is_working_day(day):
            for start, end in self.windows:
                yield (dt.datetime.combine(day, start, self.tz), dt.datetime.combine(day, end, self.tz))

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if timezone.is_naive(moment):
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for offset in range(1, _MAX_DAYS_SCANNED):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("Lịch làm việc không có ngày làm việc nào.")

    def counting_start(self, received_at: dt.datetime, *, apply_cutoff: bool = True) -> dt.datetime:
        """The moment from which time is counted for something received at `received_at`."""
        local = self._local(received_at)
        day = local.date()
        if self.is_working_day(day) and not (apply_cutoff and self.cutoff and local.time() >= self.cutoff):
            for start, end in self._windows_on(day):
                if local < end:
                    return max(local, start)
        following = self.next_working_day(day)
        return dt.datetime.combine(following, self.windows[0][0], self.tz)

    def add_working_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The moment `minutes` of working time after `start`.

        When the time runs out exactly at the end of a window, the end of that window is returned
        (17:00 on Tuesday rather than 07:00 on Wednesday), which is how appointments are written. Zero
        minutes give the first working moment at or after `start`.
        """
        if minutes < 0:
            raise ValueError("Thời gian cộng thêm phải không âm.")
        local = self._local(start)
        amount = _microseconds(dt.timedelta(minutes=minutes))
        if amount == 0:
            return self.counting_start(local, apply_cutoff=False)
        table = _cumulative(self)
        return table.moment_at(table.position(local) + amount)

    def add_working_days(
        self, received_at: dt.datetime, days: float, *, apply_cutoff: bool = True
    ) -> dt.datetime:
        """Appointment for a time limit of `days` working days, counted from reception."""
        start = self.counting_start(received_at, apply_cutoff=apply_cutoff)
        return self.add_working_minutes(start, days * self.day_minutes)

    def add_working_hours(
        self, received_at: dt.datetime, hours: float, *, apply_cutoff: bool = True
    ) -> dt.datetime:
        start = self.counting_start(received_at, apply_cutoff=apply_cutoff)
        return self.add_working_minutes(start, hours * 60)

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working time between two moments, in minutes; negative when `end` is before `start`."""
        table = _cumulative(self)
        elapsed = table.position(self._local(end)) - table.position(self._local(start))
        return elapsed / _US_PER_MINUTE

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.working_minutes_between(start, end) / self.day_minutes


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _microseconds(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _US_PER_SECOND + delta.microseconds


def _time_of_day_us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


class _CumulativeMinutes:
    """Working time (µs) to the start of each day from the first day asked about, grown on demand in both
    directions (days before that first day count negative, so positions already computed stay valid).

    `starts[i]` is the position of day `origin + i`; a day's windows are the calendar's windows
    when it is a working day. Built under a lock because web threads share it."""

    _CHUNK = 400  # days added at a time

    def __init__(self, calendar: WorkingCalendar):
        self.calendar = calendar
        self.windows = tuple((_time_of_day_us(a), _time_of_day_us(b)) for a, b in calendar.windows)
        self.day_us = sum(b - a for a, b in self.windows)
        self.origin: dt.date | None = None
        self.starts: list[int] = []
        self.lock = threading.RLock()

    def _day_total(self, day: dt.date) -> int:
        return self.day_us if self.calendar.is_working_day(day) else 0

    def _cover(self, day: dt.date) -> int:
        """Index of `day`, growing the table so that day and the day after it are in it."""
        with self.lock:
            if self.origin is None:
                self.origin = day - dt.timedelta(days=self._CHUNK)
                self.starts = [0]
            index = (day - self.origin).days
            if index < 0:
                grow = -index + self._CHUNK
                new_origin = self.origin - dt.timedelta(days=grow)
                prefix = [0]
                for offset in range(grow):
                    prefix.append(prefix[-1] + self._day_total(new_origin + dt.timedelta(days=offset)))
                # Values already handed out stay valid: the days before the old origin count negative.
                shift = self.starts[0] - prefix[-1]
                self.starts = [value + shift for value in prefix[:-1]] + self.starts
                self.origin = new_origin
                index = (day - self.origin).days
            while index + 1 >= len(self.starts):
                self._extend(self._CHUNK)
            return index

    def _extend(self, days: int) -> None:
        first = self.origin + dt.timedelta(days=len(self.starts) - 1)
        for offset in range(days):
            self.starts.append(self.starts[-1] + self._day_total(first + dt.timedelta(days=offset)))

    def position(self, local: dt.datetime) -> int:
        """Working time from the origin to `local` (a moment in the calendar's time zone)."""
        now = _time_of_day_us(local.time())
        with self.lock:
            index = self._cover(local.date())
            done, following = self.starts[index], self.starts[index + 1]
        if following == done:
            return done
        return done + sum(min(max(now - a, 0), b - a) for a, b in self.windows)

    def moment_at(self, target: int) -> dt.datetime:
        """The earliest moment at which the working time from the origin reaches `target` (> 0 within a day):
        the end of a window rather than the start of the next one."""
        scanned = 0
        with self.lock:
            while self.starts[-1] < target:
                if scanned > _MAX_DAYS_SCANNED:
                    raise ValueError("Lịch làm việc không có ngày làm việc nào.")
                self._extend(self._CHUNK)
                scanned += self._CHUNK
            index = bisect.bisect_left(self.starts, target) - 1
            day = self.origin + dt.timedelta(days=index)
            remaining = target - self.starts[index]
        for (a, b), (start, _end) in zip(self.windows, self.calendar.windows, strict=True):
            if remaining <= b - a:
                base = dt.datetime.combine(day, start, self.calendar.tz)
                return base + dt.timedelta(microseconds=remaining)
            remaining -= b - a
        raise AssertionError("the table and the windows disagree")  # pragma: no cover


@functools.lru_cache(maxsize=16)
def _cumulative(calendar: WorkingCalendar) -> _CumulativeMinutes:
    """One table per calendar content (windows, weekly days, holidays, make-up days): a changed calendar
    is a different key, so an edit in the admin is picked up by the next `load_calendar`."""
    return _CumulativeMinutes(calendar)


def load_calendar(calendar_id: int | None = None) -> WorkingCalendar:
    """Build the working calendar from the database (the default calendar unless one is named), in one
    query: the calendar's row joined to its special days (a page showing the time left pays one round trip)."""
    from .models import WorkCalendar

    qs = (
        WorkCalendar.objects.filter(pk=calendar_id)
        if calendar_id
        else WorkCalendar.objects.filter(is_default=True)
    )
    rows = list(
        qs.order_by("pk").values_list(
            "pk",
            "morning_start",
            "morning_end",
            "afternoon_start",
            "afternoon_end",
            "weekly_working_days",
            "cutoff_time",
            "days__date",
            "days__kind",
        )
    )
    if not rows:
        return WorkingCalendar()
    first = rows[0]
    pk, morning_start, morning_end, afternoon_start, afternoon_end, weekly, cutoff = first[:7]
    days = [(day, kind) for row_pk, *_, day, kind in rows if row_pk == pk and day is not None]
    return WorkingCalendar(
        windows=((morning_start, morning_end), (afternoon_start, afternoon_end)),
        weekly_working_days=weekly,
        holidays=frozenset(d for d, kind in days if kind == CalendarDayKind.HOLIDAY),
        extra_working_days=frozenset(d for d, kind in days if kind == CalendarDayKind.WORKING),
        cutoff=cutoff,
    )


_display: tuple[float, WorkingCalendar] | None = None


def display_calendar() -> WorkingCalendar:
    """The default calendar for showing the time left on public pages (the status lookup), kept in this
    process for CALENDAR_DISPLAY_CACHE_SECONDS: a reload of a receipt's QR code then reads no calendar. Saving or
    deleting a calendar or one of its days in this process, or a change of settings, drops it at once; other
    processes see the change within the lifetime. Deadlines and the sweep always read the calendar afresh."""
    global _display
    seconds = settings.CALENDAR_DISPLAY_CACHE_SECONDS
    kept = _display
    now = time.monotonic()
    if seconds > 0 and kept is not None and now - kept[0] < seconds:
        return kept[1]
    calendar = load_calendar()
    _display = (now, calendar) if seconds > 0 else None
    return calendar


def forget_display_calendar(**_kwargs) -> None:
    global _display
    _display = None
