"""Two people booking the last place of a slot at the same moment, on PostgreSQL: one booking, one refusal.
Fails when appointment_book counts the places without locking the slot's row first."""

import datetime as dt
import time

import pytest

from dossiers.appointments import services
from dossiers.models import AppointmentSlot
from tests.dossiers.concurrency import in_parallel

from .conftest import local


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_place_is_booked_once(province):
    from django.db import transaction

    from portal.errors import Conflict
    from procedures.models import Field

    field = Field.objects.first() or Field.objects.create(code="XD", name="Xây dựng")
    services.appointment_slots_build(
        agency=province.centre, field=field, start=dt.date(2026, 10, 15), days=1, capacity=1
    )
    slot = AppointmentSlot.objects.filter(agency=province.centre).first()

    def book(phone):
        try:
            with transaction.atomic():
                services.appointment_book(
                    slot=slot, name="Người đặt", phone=phone, at=local(2026, 10, 14, 9, 0)
                )
                time.sleep(0.2)  # the rest of the request, while the booking is not yet committed
        except Conflict:
            return "full"
        return "booked"

    outcomes = in_parallel(book, [(f"090511111{i}",) for i in range(4)])
    assert sorted(outcomes) == ["booked", "full", "full", "full"], outcomes
    assert slot.appointments.count() == 1
