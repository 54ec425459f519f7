"""Working-time arithmetic on real Vietnamese calendar cases (holidays from the `holidays` package)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal.constants import CalendarDayKind
from portal.models import CalendarDay
from portal.services import calendar_get_or_create_default, calendar_seed_holidays
from portal.working_time import WorkingCalendar, load_calendar

pytestmark = pytest.mark.date_sensitive

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture
def calendar(db):
    record = calendar_get_or_create_default()
    calendar_seed_holidays(calendar=record, years=[2025, 2026])
    return load_calendar()


def test_seed_marks_tet_and_the_make_up_saturday(calendar):
    # Tết Ất Tỵ 2025: 27/01 to 01/02 off; 02/05/2025 off in exchange for Saturday 26/04/2025.
    for day in range(27, 32):
        assert not calendar.is_working_day(dt.date(2025, 1, day))
    assert not calendar.is_working_day(dt.date(2025, 5, 2))
    assert calendar.is_working_day(dt.date(2025, 4, 26))  # a Saturday worked as make-up day
    assert not calendar.is_working_day(dt.date(2025, 4, 19))  # an ordinary Saturday


def test_seeding_twice_adds_nothing_and_keeps_admin_edits(db):
    record = calendar_get_or_create_default()
    CalendarDay.objects.create(
        calendar=record,
        date=dt.date(2026, 1, 1),
        kind=CalendarDayKind.WORKING,
        name="Quyết định riêng của tỉnh",
    )
    first = calendar_seed_holidays(calendar=record, years=[2026])
    assert calendar_seed_holidays(calendar=record, years=[2026]) == 0
    assert first > 0
    assert record.days.get(date=dt.date(2026, 1, 1)).kind == CalendarDayKind.WORKING
    assert load_calendar().is_working_day(dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        # An ordinary week: Monday 09:00 + 3 days = Thursday 09:00.
        (at(2025, 3, 10, 9), 3, at(2025, 3, 13, 9)),
        # Friday + 1 day skips the weekend.
        (at(2025, 3, 14, 10), 1, at(2025, 3, 17, 10)),
        # Received the Friday before Tết 2025 (24/01): the whole Tết break (27/01–01/02) is skipped.
        (at(2025, 1, 24, 9), 2, at(2025, 2, 4, 9)),
        # 30/4–1/5 2025 with the swap: Tue 29/04 + 2 days → Mon 05/05 (30/4, 1/5, 2/5 off, weekend).
        (at(2025, 4, 29, 9), 2, at(2025, 5, 6, 9)),
        # Friday 25/04/2025 + 1 day lands on Saturday 26/04, a make-up working day.
        (at(2025, 4, 25, 9), 1, at(2025, 4, 26, 9)),
        # National Day 2025: 1/9 and 2/9 are off. Friday 29/08 + 1 day → Wednesday 03/09.
        (at(2025, 8, 29, 9), 1, at(2025, 9, 3, 9)),
        # National Day 2026: Monday 31/08 swapped for Saturday 22/08; 1/9, 2/9 off.
        (at(2026, 8, 28, 9), 1, at(2026, 9, 3, 9)),
    ],
)
def test_add_working_days_on_real_cases(calendar, received, days, expected):
    assert calendar.add_working_days(received, days) == expected


def test_reception_after_cut_off_counts_from_next_working_day(calendar):
    # Cut-off 16:00 (default). Received Thursday 16:30 with 1 day: counted from Friday 07:00, due Friday 17:00.
    assert calendar.add_working_days(at(2025, 3, 13, 16, 30), 1) == at(2025, 3, 14, 17, 0)
    # Before the cut-off it counts from the moment of reception.
    assert calendar.add_working_days(at(2025, 3, 13, 15, 0), 1) == at(2025, 3, 14, 15, 0)


def test_reception_in_lunch_break_and_on_weekend(calendar):
    # 12:00 is in the lunch break: counting starts at 13:30.
    assert calendar.counting_start(at(2025, 3, 10, 12, 0)) == at(2025, 3, 10, 13, 30)
    # Sunday: counting starts Monday morning.
    assert calendar.counting_start(at(2025, 3, 16, 10, 0)) == at(2025, 3, 17, 7, 0)


def test_add_working_hours_crosses_lunch_and_night(calendar):
    # Monday 10:30 + 4 hours = 1 hour morning, 3 hours afternoon → 16:30.
    assert calendar.add_working_hours(at(2025, 3, 10, 10, 30), 4) == at(2025, 3, 10, 16, 30)
    # Monday 16:00 is at the cut-off: counting starts Tuesday 07:00; + 2 hours → 09:00.
    assert calendar.add_working_hours(at(2025, 3, 10, 16, 0), 2) == at(2025, 3, 11, 9, 0)
    assert calendar.add_working_hours(at(2025, 3, 10, 16, 0), 2, apply_cutoff=False) == at(2025, 3, 11, 8, 0)


def test_working_time_between_excludes_nights_weekends_and_holidays(calendar):
    assert calendar.working_minutes_between(at(2025, 3, 10, 9), at(2025, 3, 10, 14)) == 150 + 30
    # A full week Monday 07:00 → Friday 17:00 is 5 × 8 hours.
    assert calendar.working_days_between(at(2025, 3, 10, 7), at(2025, 3, 14, 17)) == 5
    # Across Tết 2025: Friday 24/01 17:00 → Monday 03/02 07:00 is no working time at all.
    assert calendar.working_minutes_between(at(2025, 1, 24, 17), at(2025, 2, 3, 7)) == 0
    # Reversed order gives a negative amount (time left after a deadline).
    assert calendar.working_minutes_between(at(2025, 3, 10, 14), at(2025, 3, 10, 9)) == -180


def test_add_and_measure_agree():
    calendar = WorkingCalendar()
    start = at(2025, 3, 10, 8, 15)
    for minutes in (0, 45, 480, 1000, 2400 * 3):
        assert (
            calendar.working_minutes_between(start, calendar.add_working_minutes(start, minutes)) == minutes
        )


def test_calendar_edited_by_admin_is_authoritative(db):
    record = calendar_get_or_create_default()
    CalendarDay.objects.create(
        calendar=record, date=dt.date(2025, 3, 11), kind=CalendarDayKind.HOLIDAY, name="Nghỉ đột xuất"
    )
    calendar = load_calendar()
    assert calendar.add_working_days(at(2025, 3, 10, 9), 1) == at(2025, 3, 12, 9)
