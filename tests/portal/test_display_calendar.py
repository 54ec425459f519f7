"""The calendar the public lookup shows the time left with: kept per process, dropped when it changes here."""

import datetime as dt

import pytest

from portal.constants import CalendarDayKind
from portal.models import CalendarDay
from portal.services import calendar_get_or_create_default
from portal.working_time import display_calendar

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 10, 20)  # a Tuesday


@pytest.fixture
def kept(settings):
    settings.CALENDAR_DISPLAY_CACHE_SECONDS = 60
    return calendar_get_or_create_default()


def test_the_calendar_is_read_once_then_kept(kept, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = display_calendar()
    with django_assert_num_queries(0):
        assert display_calendar() is first


def test_a_new_special_day_is_shown_at_once(kept):
    assert display_calendar().is_working_day(DAY)
    day = CalendarDay.objects.create(
        calendar=kept, date=DAY, kind=CalendarDayKind.HOLIDAY, name="Nghỉ đột xuất"
    )
    assert not display_calendar().is_working_day(DAY)
    day.delete()
    assert display_calendar().is_working_day(DAY)


def test_a_changed_calendar_is_shown_at_once(kept):
    display_calendar()
    kept.weekly_working_days = 0b0011110  # no Mondays
    kept.save()
    assert not display_calendar().is_working_day(dt.date(2026, 10, 19))


def test_without_a_lifetime_each_call_reads_the_calendar(kept, settings, django_assert_num_queries):
    settings.CALENDAR_DISPLAY_CACHE_SECONDS = 0
    display_calendar()
    with django_assert_num_queries(1):
        display_calendar()
