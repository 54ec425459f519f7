"""Appointments at one-stop desks and the queue of the day.

Slots are built from the working calendar (working days only, inside the opening windows); a booking takes one
place in a slot under a row lock on the slot, so two people booking the last place at once get one booking and
one refusal; the kiosk numbers tickets per desk and day under a lock on the desk's row; the desk calls the next
waiting ticket (bookings first, then walk-ins, each in number order).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from portal.errors import ApplicationError, Conflict
from portal.models import Agency, User
from portal.working_time import WorkingCalendar, load_calendar
from procedures.models import Field

from .. import notices
from ..constants import LOOKUP_SECRET_ALPHABET
from ..models import Appointment, AppointmentSlot, QueueTicket
from .constants import HOLDING_STATES, AppointmentState, TicketKind, TicketState


def appointment_slots_build(
    *,
    agency: Agency,
    field: Field,
    start: dt.date,
    days: int,
    slot_minutes: int = 30,
    capacity: int = 4,
    calendar: WorkingCalendar | None = None,
) -> int:
    """Open slots of `slot_minutes` for `days` calendar days from `start`, on working days only (holidays
    excluded, make-up Saturdays included), inside the calendar's opening windows. Existing slots are kept."""
    if not agency.has_one_stop_desk:
        raise ApplicationError("Cơ quan này không có bộ phận một cửa.", code="no_desk")
    if slot_minutes <= 0 or capacity <= 0:
        raise ApplicationError("Thời lượng và số chỗ của khung giờ phải lớn hơn 0.", code="slot")
    calendar = calendar or load_calendar()
    rows = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        for opens, closes in calendar.windows:
            moment = dt.datetime.combine(day, opens, calendar.tz)
            end_of_window = dt.datetime.combine(day, closes, calendar.tz)
            while moment + dt.timedelta(minutes=slot_minutes) <= end_of_window:
                rows.append(
                    AppointmentSlot(
                        agency=agency,
                        field=field,
                        starts_at=moment,
                        ends_at=moment + dt.timedelta(minutes=slot_minutes),
                        capacity=capacity,
                    )
                )
                moment += dt.timedelta(minutes=slot_minutes)
    before = AppointmentSlot.objects.filter(agency=agency, field=field).count()
    AppointmentSlot.objects.bulk_create(rows, ignore_conflicts=True)
    return AppointmentSlot.objects.filter(agency=agency, field=field).count() - before


def _code() -> str:
    return "LH" + "".join(secrets.choice(LOOKUP_SECRET_ALPHABET) for _ in range(8))


def appointment_book(
    *, slot: AppointmentSlot, name: str, phone: str, user: User | None = None, at: dt.datetime | None = None
) -> Appointment:
    """Book one place. Refused for a slot in the past, on a day that is not a working day (a holiday declared
    after the slot was opened), when the slot is full, or when this phone already holds a place in it.

    The slot's row is locked before its places are counted, so concurrent bookings of the last place are
    serialised: the second one counts the first and is refused."""
    at = at or timezone.now()
    name, phone = name.strip(), phone.replace(" ", "")
    if not name or not phone:
        raise ApplicationError("Vui lòng nhập họ tên và số điện thoại.", code="contact")
    calendar = load_calendar()
    with transaction.atomic():
        locked = AppointmentSlot.objects.select_for_update().select_related("agency").get(pk=slot.pk)
        if locked.starts_at <= at:
            raise ApplicationError("Khung giờ này đã qua. Vui lòng chọn khung giờ khác.", code="slot_past")
        if not calendar.is_working_day(timezone.localtime(locked.starts_at, calendar.tz).date()):
            raise ApplicationError(
                "Ngày này là ngày nghỉ, bộ phận một cửa không làm việc. Vui lòng chọn ngày khác.",
                code="holiday",
            )
        holding = locked.appointments.filter(state__in=HOLDING_STATES)
        if holding.filter(phone=phone).exists():
            raise Conflict("Số điện thoại này đã đặt lịch trong khung giờ này.", code="already_booked")
        if holding.count() >= locked.capacity:
            raise Conflict("Khung giờ này đã hết chỗ. Vui lòng chọn khung giờ khác.", code="slot_full")
        appointment = Appointment.objects.create(
            code=_code(),
            secret=secrets.token_urlsafe(12),
            slot=locked,
            name=name,
            phone=phone,
            user=user if user is not None and user.is_authenticated else None,
            booked_at=at,
        )
        notices.appointment_confirmed(appointment)
    return appointment


def appointment_cancel(*, appointment: Appointment, at: dt.datetime | None = None) -> Appointment:
    """The person cancels a booking not yet used; the place returns to the slot."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.state != AppointmentState.BOOKED:
            raise Conflict("Lịch hẹn này không thể hủy (đã hủy hoặc đã lấy số).", code="not_cancellable")
        locked.state = AppointmentState.CANCELLED
        locked.cancelled_at = at
        locked.save(update_fields=["state", "cancelled_at"])
        notices.appointment_cancelled(locked)
    return locked


def _next_number(agency: Agency, day: dt.date) -> int:
    # The desk's row serialises the kiosks of one desk: numbers are consecutive and never shared.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    last = QueueTicket.objects.filter(agency=agency, day=day).aggregate(m=Max("number"))["m"] or 0
    return last + 1


def ticket_issue(
    *,
    agency: Agency,
    appointment_code: str = "",
    field: Field | None = None,
    at: dt.datetime | None = None,
) -> QueueTicket:
    """Print a queue number at the kiosk: for a booking of today at this desk (its code typed or scanned), or for
    a walk-in. A booking takes one number only."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    with transaction.atomic():
        appointment = None
        if appointment_code:
            appointment = (
                Appointment.objects.select_for_update()
                .select_related("slot")
                .filter(code=appointment_code.strip().upper())
                .first()
            )
            if appointment is None or appointment.slot.agency_id != agency.pk:
                raise ApplicationError(
                    "Không tìm thấy lịch hẹn tại bộ phận một cửa này.", code="unknown_booking"
                )
            if appointment.state != AppointmentState.BOOKED:
                raise Conflict("Lịch hẹn này đã lấy số hoặc đã hủy.", code="booking_used")
            if timezone.localdate(appointment.slot.starts_at) != day:
                raise ApplicationError(
                    "Lịch hẹn không phải hôm nay. Vui lòng đến đúng ngày đã hẹn.", code="booking_other_day"
                )
            appointment.state = AppointmentState.CHECKED_IN
            appointment.save(update_fields=["state"])
            field = appointment.slot.field
        try:
            ticket = QueueTicket.objects.create(
                agency=agency,
                day=day,
                number=_next_number(agency, day),
                kind=TicketKind.BOOKED if appointment else TicketKind.WALK_IN,
                appointment=appointment,
                field=field,
                issued_at=at,
            )
        except IntegrityError as exc:
            raise Conflict("Máy cấp số đang bận, vui lòng bấm lại.", code="ticket_busy") from exc
    return ticket


def ticket_call_next(
    *, agency: Agency, actor: User, counter: str, at: dt.datetime | None = None
) -> QueueTicket | None:
    """The desk officer calls the next waiting number of today to their counter: bookings first, then walk-ins,
    each in number order. None when nobody is waiting. Two counters calling at once never get the same ticket."""
    at = at or timezone.now()
    with transaction.atomic():
        waiting = (
            QueueTicket.objects.select_for_update(skip_locked=True)
            .filter(agency=agency, day=timezone.localdate(at), state=TicketState.WAITING)
            .order_by("kind", "number")  # "booked" sorts before "walk_in"
        )
        ticket = waiting.first()
        if ticket is None:
            return None
        ticket.state = TicketState.CALLED
        ticket.called_at = at
        ticket.called_by = actor
        ticket.counter = counter.strip()[:20]
        ticket.save(update_fields=["state", "called_at", "called_by", "counter"])
        notices.ticket_called(ticket)
    return ticket
