"""Survey answers, read-only."""

from django.contrib import admin

from repository.admin import ReadOnlyAdmin

from ..models import SatisfactionSurvey


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "agency", "officer", "channel", "answered_at"]
    list_filter = ["channel", "agency"]
