"""Administration of appointments: slots are data the desks edit; bookings and queue numbers are read-only."""

from django.contrib import admin

from repository.admin import ReadOnlyAdmin

from ..models import Appointment, AppointmentSlot, QueueTicket


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    list_display = ["agency", "field", "starts_at", "ends_at", "capacity"]
    list_filter = ["agency", "field"]
    date_hierarchy = "starts_at"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "slot", "name", "phone", "state", "booked_at"]
    list_filter = ["state"]
    search_fields = ["code", "phone", "name"]


@admin.register(QueueTicket)
class QueueTicketAdmin(ReadOnlyAdmin):
    list_display = ["agency", "day", "number", "kind", "state", "issued_at", "called_at", "counter"]
    list_filter = ["agency", "kind", "state"]
