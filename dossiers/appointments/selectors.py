"""Reads for appointments: desks and open slots, a booking by code and secret, the display of calls and the
waiting-time statistics."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from portal.constants import Role
from portal.models import Agency, User
from procedures.models import Field

from ..models import Appointment, AppointmentSlot, QueueTicket
from .constants import HOLDING_STATES, TicketKind, TicketState


def bookable_desks(*, now: dt.datetime) -> QuerySet[Agency]:
    return (
        Agency.objects.filter(active=True, has_one_stop_desk=True, appointment_slots__starts_at__gt=now)
        .distinct()
        .order_by("name")
    )


def desk_fields(*, agency: Agency, now: dt.datetime) -> QuerySet[Field]:
    return (
        Field.objects.filter(appointment_slots__agency=agency, appointment_slots__starts_at__gt=now)
        .distinct()
        .order_by("name")
    )


def open_slots(*, agency: Agency, field: Field, now: dt.datetime, limit: int = 80) -> list[AppointmentSlot]:
    """Future slots of the group with places left, each annotated with `taken`."""
    slots = (
        AppointmentSlot.objects.filter(agency=agency, field=field, starts_at__gt=now)
        .annotate(taken=Count("appointments", filter=Q(appointments__state__in=HOLDING_STATES)))
        .order_by("starts_at")
    )
    result = []
    for slot in slots[: limit * 3]:
        slot.remaining = slot.capacity - slot.taken
        if slot.remaining > 0:
            result.append(slot)
    return result[:limit]


def appointment_lookup(*, code: str, secret: str) -> Appointment | None:
    appointment = (
        Appointment.objects.select_related("slot__agency", "slot__field")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    expected = appointment.secret if appointment else "-"
    if appointment is None or not hmac.compare_digest(expected.encode(), (secret or "").encode()):
        return None
    return appointment


def desk_of(user: User) -> Agency | None:
    """The desk where an intake officer works the kiosk and the calls (the first desk of their memberships)."""
    if not user.is_authenticated or not user.is_officer:
        return None
    return (
        Agency.objects.filter(
            has_one_stop_desk=True,
            memberships__user=user,
            memberships__active=True,
            memberships__role=Role.INTAKE_OFFICER,
        )
        .order_by("pk")
        .first()
    )


@dataclass(frozen=True)
class Display:
    current: list[QueueTicket]
    waiting: int


def queue_display(*, agency: Agency, day: dt.date, limit: int = 8) -> Display:
    tickets = QueueTicket.objects.filter(agency=agency, day=day)
    return Display(
        current=list(tickets.filter(state=TicketState.CALLED).order_by("-called_at", "-pk")[:limit]),
        waiting=tickets.filter(state=TicketState.WAITING).count(),
    )


@dataclass(frozen=True)
class WaitingStats:
    kind: str
    label: str
    issued: int
    called: int
    average_minutes: float
    longest_minutes: float


def waiting_time_stats(*, agency: Agency, start: dt.date, end: dt.date) -> list[WaitingStats]:
    """Tickets of [start, end] per kind (booked / walk-in): issued, called, average and longest wait from the
    printed number to the call, in minutes."""
    stats = []
    for kind, label in TicketKind.choices:
        tickets = QueueTicket.objects.filter(agency=agency, day__gte=start, day__lte=end, kind=kind)
        waits = [
            (called - issued).total_seconds() / 60
            for issued, called in tickets.filter(called_at__isnull=False).values_list(
                "issued_at", "called_at"
            )
        ]
        stats.append(
            WaitingStats(
                kind=kind,
                label=str(label),
                issued=tickets.count(),
                called=len(waits),
                average_minutes=round(sum(waits) / len(waits), 1) if waits else 0.0,
                longest_minutes=round(max(waits), 1) if waits else 0.0,
            )
        )
    return stats
