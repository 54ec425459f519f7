"""Working-time arithmetic on the province's calendar.

Deadlines of administrative procedures run in working days or hours (NĐ 118/2025/NĐ-CP): Monday to
Friday, morning and afternoon windows, minus public holidays, plus make-up working days. One working
day is the length of the day's windows, so "N days" and "N × day-length hours" agree. A dossier received
after the cut-off hour, outside the windows or on a day off counts from the next working moment.

`WorkingCalendar` is a plain object built once from the database (`load_calendar`) and reused for a
whole batch: a sweep over thousands of dossiers makes one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .constants import CalendarDayKind

# A calendar with no working day at all would make the search below endless; ten years is far beyond any deadline.
_MAX_DAYS_SCANNED = 3660


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
        (17:00 on Tuesday rather than 07:00 on Wednesday), which is how appointments are written.
        """
        if minutes < 0:
            raise ValueError("Thời gian cộng thêm phải không âm.")
        local = self._local(start)
        remaining = dt.timedelta(minutes=minutes)
        day = local.date()
        for _ in range(_MAX_DAYS_SCANNED):
            for window_start, window_end in self._windows_on(day):
                begin = max(local, window_start)
                if begin >= window_end:
                    continue
                available = window_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("Lịch làm việc không có ngày làm việc nào.")

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
        if end < start:
            return -self.working_minutes_between(end, start)
        a, b = self._local(start), self._local(end)
        total = dt.timedelta()
        day = a.date()
        while day <= b.date():
            for window_start, window_end in self._windows_on(day):
                overlap = min(b, window_end) - max(a, window_start)
                if overlap > dt.timedelta():
                    total += overlap
            day += dt.timedelta(days=1)
        return total.total_seconds() / 60

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.working_minutes_between(start, end) / self.day_minutes


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def load_calendar(calendar_id: int | None = None) -> WorkingCalendar:
    """Build the working calendar from the database (the default calendar unless one is named)."""
    from .models import WorkCalendar

    qs = WorkCalendar.objects.all()
    record = qs.filter(pk=calendar_id).first() if calendar_id else qs.filter(is_default=True).first()
    if record is None:
        return WorkingCalendar()
    days = list(record.days.values_list("date", "kind"))
    return WorkingCalendar(
        windows=((record.morning_start, record.morning_end), (record.afternoon_start, record.afternoon_end)),
        weekly_working_days=record.weekly_working_days,
        holidays=frozenset(d for d, kind in days if kind == CalendarDayKind.HOLIDAY),
        extra_working_days=frozenset(d for d, kind in days if kind == CalendarDayKind.WORKING),
        cutoff=record.cutoff_time,
    )
