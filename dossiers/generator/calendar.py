"""The working calendar as a table of windows with cumulative working seconds, for generating millions of dates.

`portal.working_time.WorkingCalendar` walks day by day; the generator needs the same answers (appointments, step
deadlines, working time waited) hundreds of thousands of times, so it turns the calendar's windows over the whole
generated period into sorted arrays once, and answers each question with a binary search. Times are POSIX seconds
(floats); `tests/dossiers/test_generator.py` checks the answers against `WorkingCalendar` on random samples.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

from portal.working_time import WorkingCalendar


class IndexedCalendar:
    def __init__(self, calendar: WorkingCalendar, first_day: dt.date, last_day: dt.date) -> None:
        self.calendar = calendar
        self.tz = calendar.tz
        self.first_day = first_day
        self.day_seconds = calendar.day_minutes * 60
        starts: list[float] = []
        ends: list[float] = []
        cumulative: list[float] = []  # working seconds before each window
        # Per calendar day: (midnight, [(window start, window end)], cut-off or None)
        self._days: list[tuple[float, list[tuple[float, float]], float | None]] = []
        total = 0.0
        day = first_day
        while day <= last_day:
            midnight = dt.datetime.combine(day, dt.time(0), self.tz).timestamp()
            windows = []
            if calendar.is_working_day(day):
                for start, end in calendar.windows:
                    s = dt.datetime.combine(day, start, self.tz).timestamp()
                    e = dt.datetime.combine(day, end, self.tz).timestamp()
                    windows.append((s, e))
                    starts.append(s)
                    ends.append(e)
                    cumulative.append(total)
                    total += e - s
            cutoff = (
                dt.datetime.combine(day, calendar.cutoff, self.tz).timestamp() if calendar.cutoff else None
            )
            self._days.append((midnight, windows, cutoff))
            day += dt.timedelta(days=1)
        self.starts, self.ends, self.cumulative = starts, ends, cumulative
        self.cumulative_end = [c + (e - s) for c, s, e in zip(cumulative, starts, ends, strict=True)]
        self._midnights = [d[0] for d in self._days]

    def _day_index(self, t: float) -> int:
        return bisect_right(self._midnights, t) - 1

    def working_seconds_at(self, t: float) -> float:
        """Working seconds from the start of the table to `t`."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        return self.cumulative[i] + min(t, self.ends[i]) - self.starts[i]

    def counting_start(self, t: float, *, apply_cutoff: bool = True) -> float:
        """`WorkingCalendar.counting_start`: the next working moment, the next working day after the cut-off."""
        index = self._day_index(t)
        _midnight, windows, cutoff = self._days[index]
        if windows and not (apply_cutoff and cutoff is not None and t >= cutoff):
            for start, end in windows:
                if t < end:
                    return max(t, start)
        for _midnight, windows, _cutoff in self._days[index + 1 :]:
            if windows:
                return windows[0][0]
        raise ValueError("Bảng lịch làm việc không đủ dài.")

    def add_working_seconds(self, start: float, seconds: float) -> float:
        """`WorkingCalendar.add_working_minutes`: ending exactly at a window's end gives that end."""
        if seconds <= 0:
            return self.counting_start(start, apply_cutoff=False) if seconds == 0 else start
        target = self.working_seconds_at(start) + seconds
        j = bisect_left(self.cumulative_end, target)
        if j >= len(self.starts):
            raise ValueError("Bảng lịch làm việc không đủ dài.")
        return self.starts[j] + (target - self.cumulative[j])

    def working_seconds_between(self, a: float, b: float) -> float:
        return self.working_seconds_at(b) - self.working_seconds_at(a)

    def appointment(self, received_at: float, limit_seconds: float) -> float:
        return self.add_working_seconds(self.counting_start(received_at), limit_seconds)

    def step_due(self, handed_at: float, seconds: float | None, dossier_due_at: float | None) -> float | None:
        """`dossiers.deadlines.step_due`."""
        if seconds is None:
            return dossier_due_at
        due = self.add_working_seconds(self.counting_start(handed_at, apply_cutoff=False), max(seconds, 0))
        return min(due, dossier_due_at) if dossier_due_at is not None else due

    def local_date(self, t: float) -> dt.date:
        return self.first_day + dt.timedelta(days=self._day_index(t))

    def working_days(self) -> list[tuple[dt.date, list[tuple[float, float]]]]:
        return [
            (self.first_day + dt.timedelta(days=i), windows)
            for i, (_m, windows, _c) in enumerate(self._days)
            if windows
        ]
