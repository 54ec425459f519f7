"""Administration of feedback: read-only (it changes through the services), with its history."""

from django.contrib import admin

from repository.admin import ReadOnlyAdmin

from ..models import Feedback, FeedbackEvent


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "category", "agency", "state", "received_at", "due_at", "escalated_at"]
    list_filter = ["category", "state", "agency"]
    search_fields = ["code", "title", "name", "phone", "email"]


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(ReadOnlyAdmin):
    list_display = ["feedback", "action", "at", "actor"]
    list_filter = ["action"]
