"""Appointment dates on the working calendar, per channel, with the cut-off hour; remaining working time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dossiers import selectors, services
from portal.constants import CalendarDayKind
from portal.models import CalendarDay
from portal.services import calendar_get_or_create_default
from portal.working_time import WorkingCalendar
from procedures.constants import Channel, TimeUnit

from .factories import counter_received, received

pytestmark = pytest.mark.date_sensitive

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


@pytest.mark.parametrize(
    ("received_at", "due"),
    [
        # Monday 09:00, 12 working days online: the same time on the 12th working day after
        (local(2025, 11, 17, 9, 0), local(2025, 12, 3, 9, 0)),
        # after the 16:00 cut-off: counted from Tuesday morning, due at closing time
        (local(2025, 11, 17, 16, 30), local(2025, 12, 3, 17, 0)),
        # on a Saturday: counted from Monday morning
        (local(2025, 11, 22, 10, 0), local(2025, 12, 9, 17, 0)),
        # at lunch time: counted from 13:30; time running out at noon is written as the window's end
        (local(2025, 11, 17, 12, 0), local(2025, 12, 3, 11, 30)),
    ],
)
def test_online_appointment(province, received_at, due):
    dossier = received(province, at=received_at)
    assert dossier.due_at == due
    assert dossier.original_due_at == due


def test_each_channel_has_its_own_time_limit(province):
    # the counter takes 15 working days for this procedure, online 12
    at = local(2025, 11, 17, 9, 0)
    assert counter_received(province, at=at).due_at == local(2025, 12, 8, 9, 0)
    assert received(province, at=at).due_at == local(2025, 12, 3, 9, 0)


def test_holidays_and_make_up_days_of_the_calendar_count(province):
    # given a holiday on Wednesday 19/11 and a make-up working Saturday on 29/11
    calendar = calendar_get_or_create_default()
    CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2025, 11, 19), kind=CalendarDayKind.HOLIDAY, name="Nghỉ"
    )
    CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2025, 11, 29), kind=CalendarDayKind.WORKING, name="Làm bù"
    )
    # then the two cancel out: still Wednesday 3/12
    assert received(province, at=local(2025, 11, 17, 9, 0)).due_at == local(2025, 12, 3, 9, 0)
    CalendarDay.objects.filter(date=dt.date(2025, 11, 29)).delete()
    # without the make-up day, one day later
    assert received(province, at=local(2025, 11, 17, 9, 0)).due_at == local(2025, 12, 4, 9, 0)


def test_time_limits_in_working_hours(province):
    limit = province.version.processing_times.get(channel=Channel.ONLINE)
    limit.amount, limit.unit = Decimal(4), TimeUnit.WORKING_HOURS
    limit.save()
    # 10:00 + 4 working hours = 1h30 before lunch, 2h30 after
    assert received(province, at=local(2025, 11, 17, 10, 0)).due_at == local(2025, 11, 17, 16, 0)


def test_no_time_limit_means_no_appointment(province):
    province.version.processing_times.all().delete()
    dossier = received(province, at=local(2025, 11, 17, 10, 0))
    assert dossier.due_at is None
    assert selectors.remaining_working_time(dossier=dossier) is None


@pytest.mark.parametrize(
    ("now", "label", "overdue"),
    [
        (local(2025, 12, 1, 9, 0), "Còn 2 ngày làm việc", False),
        (local(2025, 12, 3, 7, 0), "Còn 2 giờ làm việc", False),
        (local(2025, 12, 1, 14, 30), "Còn 1 ngày 4 giờ làm việc", False),
        (local(2025, 12, 4, 9, 0), "Quá hạn 1 ngày làm việc", True),
        (local(2025, 12, 4, 11, 0), "Quá hạn 1 ngày 2 giờ làm việc", True),
    ],
)
def test_remaining_working_time(province, now, label, overdue):
    dossier = received(province, at=local(2025, 11, 17, 9, 0))  # due 03/12 09:00
    remaining = selectors.remaining_working_time(dossier=dossier, now=now, calendar=WorkingCalendar())
    assert remaining.label == label
    assert remaining.overdue is overdue


def test_a_closed_dossier_has_no_remaining_time(province):
    dossier = received(province, at=local(2025, 11, 17, 9, 0))
    dossier = services.dossier_withdraw(dossier=dossier, actor=province.citizen)
    assert selectors.remaining_working_time(dossier=dossier) is None
