"""Appointments at one-stop desks: opening slots, bookings, and the numbered queue of the day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..appointments.constants import AppointmentState, TicketKind, TicketState


class AppointmentSlot(models.Model):
    """A time at a desk for one service group (a field of procedures), with a number of places."""

    agency = models.ForeignKey(
        "portal.Agency",
        on_delete=models.PROTECT,
        related_name="appointment_slots",
        verbose_name=_("nơi tiếp nhận"),
    )
    field = models.ForeignKey(
        "procedures.Field",
        on_delete=models.PROTECT,
        related_name="appointment_slots",
        verbose_name=_("lĩnh vực"),
    )
    starts_at = models.DateTimeField(_("bắt đầu"), db_index=True)
    ends_at = models.DateTimeField(_("kết thúc"))
    capacity = models.PositiveSmallIntegerField(_("số chỗ"))

    class Meta:
        verbose_name = _("khung giờ tiếp nhận")
        verbose_name_plural = _("khung giờ tiếp nhận")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "field", "starts_at"], name="slot_unique_per_group"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.field} — {self.starts_at:%d/%m/%Y %H:%M}"


class Appointment(models.Model):
    """A booking of one place in a slot. The person shows its code (or QR) at the kiosk to take a number."""

    code = models.CharField(_("mã lịch hẹn"), max_length=16, unique=True)
    secret = models.CharField(_("mã bí mật"), max_length=32)
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    name = models.CharField(_("họ và tên"), max_length=200)
    phone = models.CharField(_("số điện thoại"), max_length=15)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=AppointmentState.choices, default=AppointmentState.BOOKED
    )
    booked_at = models.DateTimeField(_("đặt lúc"))
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lịch hẹn")
        verbose_name_plural = _("lịch hẹn")
        ordering = ["-booked_at", "-pk"]

    def __str__(self) -> str:
        return self.code


class QueueTicket(models.Model):
    """A queue number printed at the kiosk, for a booking or a walk-in, numbered per desk and day."""

    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="queue_tickets")
    day = models.DateField(_("ngày"))
    number = models.PositiveIntegerField(_("số thứ tự"))
    kind = models.CharField(_("loại"), max_length=12, choices=TicketKind.choices)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    field = models.ForeignKey(
        "procedures.Field", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=12, choices=TicketState.choices, default=TicketState.WAITING)
    issued_at = models.DateTimeField(_("lấy số lúc"))
    called_at = models.DateTimeField(_("gọi lúc"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counter = models.CharField(_("quầy"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("số thứ tự")
        verbose_name_plural = _("số thứ tự")
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "day", "number"], name="ticket_number_per_desk_day"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.number:03d}"
