"""Admin views are read-mostly: documents change only through services (with their history rows)."""

from django.contrib import admin

from .models import (
    BackfileBatch,
    BackfileRow,
    DigitisationEvent,
    DigitisationJob,
    DocumentAccessLog,
    DocumentEvent,
    DocumentUse,
    DocumentVersion,
    SigningCertificate,
    StoredDocument,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ["number", "original_name", "mime_type", "size", "page_count", "sha256", "created_at"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = DocumentEvent
    fields = ["at", "kind", "actor", "data"]
    readonly_fields = fields


class UseInline(ReadOnlyInline):
    model = DocumentUse
    fields = ["used_at", "dossier_id", "component_id", "version", "used_by"]
    readonly_fields = fields


@admin.register(StoredDocument)
class StoredDocumentAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "document_type_code",
        "source",
        "owner_user",
        "owner_organisation",
        "valid_to",
        "revoked_at",
    ]
    list_filter = ["source", "document_type_code"]
    search_fields = ["title", "number", "owner_user__cccd", "owner_organisation__tax_code"]
    raw_id_fields = [
        "owner_user",
        "owner_organisation",
        "issuing_agency",
        "digitised_by_agency",
        "created_by",
    ]
    readonly_fields = [
        "current_version",
        "verification_token",
        "created_at",
        "deleted_at",
        "revoked_at",
        "revoked_reason",
    ]
    inlines = [VersionInline, UseInline, EventInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DocumentAccessLog)
class DocumentAccessLogAdmin(admin.ModelAdmin):
    list_display = [
        "accessed_at",
        "accessed_by",
        "document",
        "owner_user",
        "owner_organisation",
        "purpose",
        "by_owner",
    ]
    list_filter = ["purpose", "by_owner"]
    search_fields = ["accessed_by__username", "owner_user__cccd", "owner_organisation__tax_code"]
    date_hierarchy = "accessed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DigitisationEventInline(ReadOnlyInline):
    model = DigitisationEvent
    fields = ["at", "status", "message", "actor"]
    readonly_fields = fields


@admin.register(DigitisationJob)
class DigitisationJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "title", "agency", "status", "progress", "attempts", "created_at"]
    list_filter = ["status", "agency"]
    raw_id_fields = ["owner_user", "owner_organisation", "output_document", "created_by"]
    inlines = [DigitisationEventInline]

    def has_delete_permission(self, request, obj=None):
        return False  # a job keeps its append-only history


class BackfileRowInline(ReadOnlyInline):
    model = BackfileRow
    fields = ["row_number", "file_name", "owner_identifier", "status", "reason", "document"]
    readonly_fields = fields


@admin.register(BackfileBatch)
class BackfileBatchAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "agency",
        "status",
        "matched_count",
        "duplicate_count",
        "rejected_count",
        "created_at",
    ]
    list_filter = ["status"]
    inlines = [BackfileRowInline]


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    list_display = ["agency", "serial_number", "not_before", "not_after", "revoked_at"]
    list_filter = ["agency"]
    readonly_fields = [
        "serial_number",
        "fingerprint_sha256",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "certificate_pem",
        "key_path",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
