"""The cumulative working-time table agrees with counting day by day, over random intervals (fixed seed)."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from portal.working_time import WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SEED = 20261014


def _windows_on(calendar: WorkingCalendar, day: dt.date):
    if calendar.is_working_day(day):
        for start, end in calendar.windows:
            yield (dt.datetime.combine(day, start, VN), dt.datetime.combine(day, end, VN))


def stepping_minutes_between(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """The former day-by-day computation, kept here as the reference."""
    if end < start:
        return -stepping_minutes_between(calendar, end, start)
    a, b = start.astimezone(VN), end.astimezone(VN)
    total = dt.timedelta()
    day = a.date()
    while day <= b.date():
        for window_start, window_end in _windows_on(calendar, day):
            overlap = min(b, window_end) - max(a, window_start)
            if overlap > dt.timedelta():
                total += overlap
        day += dt.timedelta(days=1)
    return total.total_seconds() / 60


def stepping_add_minutes(calendar: WorkingCalendar, start: dt.datetime, minutes: float) -> dt.datetime:
    local = start.astimezone(VN)
    remaining = dt.timedelta(minutes=minutes)
    day = local.date()
    while True:
        for window_start, window_end in _windows_on(calendar, day):
            begin = max(local, window_start)
            if begin >= window_end:
                continue
            available = window_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += dt.timedelta(days=1)


def _calendar(rng: random.Random) -> WorkingCalendar:
    base = dt.date(2024, 1, 1)
    holidays = frozenset(base + dt.timedelta(days=rng.randrange(0, 1100)) for _ in range(40))
    extra = frozenset(base + dt.timedelta(days=rng.randrange(0, 1100)) for _ in range(8))
    return WorkingCalendar(holidays=holidays, extra_working_days=extra - holidays, tz=VN)


def _moment(rng: random.Random) -> dt.datetime:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 1100))
    # Window edges on purpose, and arbitrary seconds.
    edge = rng.choice([(7, 0, 0), (11, 30, 0), (13, 30, 0), (17, 0, 0), (0, 0, 0)])
    if rng.random() < 0.6:
        edge = (rng.randrange(0, 24), rng.randrange(0, 60), rng.randrange(0, 60))
    return dt.datetime(day.year, day.month, day.day, *edge, tzinfo=VN)


@pytest.mark.parametrize("case", range(4))
def test_elapsed_working_time_matches_the_day_by_day_count(case):
    rng = random.Random(SEED + case)
    calendar = _calendar(rng)
    for _ in range(300):
        a, b = _moment(rng), _moment(rng)
        assert calendar.working_minutes_between(a, b) == pytest.approx(
            stepping_minutes_between(calendar, a, b), abs=1e-9
        ), (a, b)


@pytest.mark.parametrize("case", range(4))
def test_adding_working_time_matches_the_day_by_day_walk(case):
    rng = random.Random(SEED * 7 + case)
    calendar = _calendar(rng)
    for _ in range(300):
        start = _moment(rng)
        minutes = rng.choice([rng.randrange(1, 60 * 8 * 40), 450, 480, 270, 210.5])
        assert calendar.add_working_minutes(start, minutes) == stepping_add_minutes(
            calendar, start, minutes
        ), (
            start,
            minutes,
        )


def test_a_moment_far_before_the_first_one_grows_the_table_backwards():
    calendar = WorkingCalendar(tz=VN)
    late = dt.datetime(2030, 6, 3, 9, tzinfo=VN)
    early = dt.datetime(2021, 6, 7, 9, tzinfo=VN)
    assert calendar.working_minutes_between(late, late) == 0
    assert calendar.working_minutes_between(early, late) == stepping_minutes_between(calendar, early, late)


def test_a_calendar_without_working_days_refuses_to_add_time():
    calendar = WorkingCalendar(weekly_working_days=0, tz=VN)
    with pytest.raises(ValueError):
        calendar.add_working_minutes(dt.datetime(2026, 10, 14, 9, tzinfo=VN), 60)
