"""Administration of the dossier archive: retention rules are data the archive edits; retention rows and reads
of the archive are read-only."""

from django.contrib import admin

from repository.admin import ReadOnlyAdmin

from ..models import ArchiveAccessLog, ArchiveRecord, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """The retention periods are data the archive edits; the nightly sweep applies a change to every dossier."""

    list_display = ["name", "scope", "code", "permanent", "years", "active", "updated_at"]
    list_filter = ["scope", "permanent", "active"]
    search_fields = ["name", "code", "legal_basis"]
    readonly_fields = ["updated_at"]

    def has_delete_permission(self, request, obj=None):
        return (
            False  # switch a rule off ("đang áp dụng") instead, so that the history of periods stays readable
        )


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "finished_on", "permanent", "retention_years", "retain_until", "basis"]
    list_filter = ["permanent"]
    search_fields = ["dossier__code"]
    date_hierarchy = "retain_until"


@admin.register(ArchiveAccessLog)
class ArchiveAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "accessed_by", "dossier", "item_kind", "item_id", "ip_address"]
    list_filter = ["item_kind"]
    search_fields = ["dossier__code", "accessed_by__username"]
    date_hierarchy = "accessed_at"
