"""Appointments: slots from the working calendar, capacity, no booking on a holiday, cancel, queue numbers at
the kiosk (booked or walk-in), calls by the desk, waiting statistics."""

import datetime as dt

import pytest
from django.urls import reverse

from dossiers.appointments import selectors, services
from dossiers.models import Appointment, AppointmentSlot
from portal.errors import ApplicationError, Conflict
from procedures.models import Field

from .conftest import holiday, local

NOW = local(2026, 10, 14, 9, 30)


@pytest.fixture
def field(db):
    return Field.objects.first() or Field.objects.create(code="XD", name="Xây dựng")


def _slots(province, field, **kwargs):
    services.appointment_slots_build(
        agency=province.centre, field=field, start=dt.date(2026, 10, 15), days=7, **kwargs
    )
    return AppointmentSlot.objects.filter(agency=province.centre, field=field)


def test_slots_follow_the_working_calendar(province, field):
    holiday(dt.date(2026, 10, 16))
    slots = _slots(province, field, slot_minutes=30, capacity=2)
    days = {s.starts_at.astimezone(local(2026, 1, 1).tzinfo).date() for s in slots}
    # Thursday 15, (Friday 16 is a holiday), Monday 19 to Wednesday 21; no weekend
    assert days == {
        dt.date(2026, 10, 15),
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 20),
        dt.date(2026, 10, 21),
    }
    assert slots.count() == 4 * 16  # 9 morning + 7 afternoon half-hours
    assert _slots(province, field).count() == 4 * 16  # building again adds nothing


def test_a_full_slot_refuses_the_next_booking_and_a_cancel_frees_it(province, field):
    slot = _slots(province, field, capacity=1).first()
    first = services.appointment_book(slot=slot, name="An", phone="0905111111", at=NOW)
    with pytest.raises(Conflict):
        services.appointment_book(slot=slot, name="Bình", phone="0905222222", at=NOW)
    services.appointment_cancel(appointment=first)
    assert services.appointment_book(slot=slot, name="Bình", phone="0905222222", at=NOW).state == "booked"


def test_no_booking_on_a_holiday(province, field):
    slot = _slots(province, field).first()
    holiday(slot.starts_at.astimezone(local(2026, 1, 1).tzinfo).date())  # declared after the slot was opened
    with pytest.raises(ApplicationError) as error:
        services.appointment_book(slot=slot, name="An", phone="0905111111", at=NOW)
    assert error.value.code == "holiday"
    assert not Appointment.objects.exists()


def test_kiosk_numbers_and_the_desk_calls_bookings_first(province, field):
    slot = _slots(province, field).first()
    day_of_slot = slot.starts_at
    booking = services.appointment_book(slot=slot, name="An", phone="0905111111", at=NOW)
    walk_in = services.ticket_issue(agency=province.centre, at=day_of_slot)
    booked = services.ticket_issue(
        agency=province.centre, appointment_code=booking.code.lower(), at=day_of_slot
    )
    assert (walk_in.number, booked.number) == (1, 2)
    with pytest.raises(Conflict):
        services.ticket_issue(agency=province.centre, appointment_code=booking.code, at=day_of_slot)
    first = services.ticket_call_next(
        agency=province.centre, actor=province.officer, counter="3", at=day_of_slot + dt.timedelta(minutes=5)
    )
    assert first == booked
    second = services.ticket_call_next(
        agency=province.centre, actor=province.officer, counter="3", at=day_of_slot + dt.timedelta(minutes=20)
    )
    assert second == walk_in
    assert (
        services.ticket_call_next(agency=province.centre, actor=province.officer, counter="3", at=day_of_slot)
        is None
    )
    day = day_of_slot.astimezone(local(2026, 1, 1).tzinfo).date()
    stats = {s.kind: s for s in selectors.waiting_time_stats(agency=province.centre, start=day, end=day)}
    assert stats["booked"].average_minutes == 5.0 and stats["walk_in"].average_minutes == 20.0


def test_a_booking_of_another_day_gets_no_number_today(province, field):
    slot = _slots(province, field).last()
    booking = services.appointment_book(slot=slot, name="An", phone="0905111111", at=NOW)
    with pytest.raises(ApplicationError):
        services.ticket_issue(agency=province.centre, appointment_code=booking.code, at=NOW)


def test_booking_page_confirmation_and_cancel(client, province, field):
    slot = _slots(province, field).first()
    url = reverse("appointments:book") + f"?co_quan={province.centre.pk}&linh_vuc={field.pk}"
    assert "slot-" in client.get(url).content.decode()
    response = client.post(
        url, {"khung_gio": slot.pk, "ho_ten": "Nguyễn Văn An", "dien_thoai": "0905 111 111"}
    )
    assert response.status_code == 302
    booking = Appointment.objects.get()
    page = client.get(response["Location"])
    assert booking.code in page.content.decode() and "data:image/png;base64," in page.content.decode()
    assert (
        client.get(reverse("appointments:confirmation"), {"ma": booking.code, "k": "sai"}).status_code == 404
    )
    client.post(response["Location"], {"action": "cancel"})
    booking.refresh_from_db()
    assert booking.state == "cancelled"
