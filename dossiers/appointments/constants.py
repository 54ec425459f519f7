from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("Đã đặt lịch")
    CHECKED_IN = "checked_in", _("Đã lấy số")
    CANCELLED = "cancelled", _("Đã hủy")


# A booking holds a place in its slot while it is booked or the person came and took a number.
HOLDING_STATES = (AppointmentState.BOOKED, AppointmentState.CHECKED_IN)


class TicketKind(models.TextChoices):
    BOOKED = "booked", _("Có lịch hẹn")
    WALK_IN = "walk_in", _("Đến trực tiếp")


class TicketState(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    CALLED = "called", _("Đã gọi")
