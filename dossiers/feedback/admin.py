"""Administration of surveys, feedback and appointments: slots are data the desks edit; answers, feedback history
and queue tickets are read-only here (they change through the services)."""

from django.contrib import admin

from repository.admin import ReadOnlyAdmin

from ..models import Appointment, AppointmentSlot, Feedback, FeedbackEvent, QueueTicket, SatisfactionSurvey


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


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "category", "agency", "state", "received_at", "due_at", "escalated_at"]
    list_filter = ["category", "state", "agency"]
    search_fields = ["code", "title", "name", "phone", "email"]


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(ReadOnlyAdmin):
    list_display = ["feedback", "action", "at", "actor"]
    list_filter = ["action"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "agency", "officer", "channel", "answered_at"]
    list_filter = ["channel", "agency"]
