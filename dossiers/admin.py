"""Read-only administration of dossiers: state changes happen only through the services."""

from django.contrib import admin

from .models import (
    Dossier,
    DossierAccessLog,
    DossierApology,
    DossierCodeCounter,
    DossierDocument,
    DossierEvent,
    DossierFile,
    DossierHandover,
    DossierMessage,
    DossierObligation,
    DossierTransfer,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FileInline(ReadOnlyInline):
    model = DossierFile
    fields = [
        "component",
        "original_name",
        "mime_type",
        "size",
        "sha256",
        "digitised",
        "reused",
        "uploaded_at",
    ]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "reason", "public"]
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = DossierDocument
    fields = ["kind", "event", "file", "sha256", "created_at"]
    readonly_fields = fields


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "applicant_name",
        "procedure_version",
        "channel",
        "state",
        "receiving_agency",
        "due_at",
    ]
    list_filter = ["state", "deadline_status", "channel", "receiving_agency"]
    search_fields = ["code", "applicant_name", "applicant_id_number"]
    list_select_related = ["procedure_version__procedure", "receiving_agency"]
    inlines = [FileInline, EventInline, DocumentInline]  # handovers, transfers… are listed below
    exclude = ["lookup_secret"]


@admin.register(DossierEvent)
class DossierEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "dossier", "action", "from_state", "to_state", "actor"]
    list_filter = ["action", "to_state"]
    list_select_related = ["dossier", "actor"]
    search_fields = ["dossier__code"]


@admin.register(DossierCodeCounter)
class DossierCodeCounterAdmin(ReadOnlyAdmin):
    list_display = ["agency", "date", "last_number"]
    list_filter = ["agency"]


@admin.register(DossierHandover)
class DossierHandoverAdmin(ReadOnlyAdmin):
    list_display = [
        "handed_at",
        "dossier",
        "action",
        "to_agency",
        "to_user",
        "step_due_at",
        "completed_at",
        "outcome",
    ]
    list_filter = ["action", "outcome"]
    list_select_related = ["dossier", "to_agency", "to_user"]
    search_fields = ["dossier__code"]


@admin.register(DossierTransfer)
class DossierTransferAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "dossier", "from_agency", "to_agency", "due_at", "returned_at"]
    list_select_related = ["dossier", "from_agency", "to_agency"]
    search_fields = ["dossier__code"]


@admin.register(DossierApology)
class DossierApologyAdmin(ReadOnlyAdmin):
    list_display = ["drafted_at", "dossier", "previous_due_at", "new_due_at", "approved_at"]
    list_select_related = ["dossier"]
    search_fields = ["dossier__code"]


@admin.register(DossierMessage)
class DossierMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "dossier", "author", "from_applicant", "attachment_name"]
    list_select_related = ["dossier", "author"]
    search_fields = ["dossier__code"]


@admin.register(DossierObligation)
class DossierObligationAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "dossier", "description", "amount", "paid_at", "receipt_number"]
    list_select_related = ["dossier"]
    search_fields = ["dossier__code", "receipt_number"]


@admin.register(DossierAccessLog)
class DossierAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "dossier", "purpose", "detail"]
    list_filter = ["purpose"]
    list_select_related = ["dossier", "user"]
    search_fields = ["dossier__code", "user__username", "user__full_name"]


# The archive's admin pages live with the archive; importing them here registers them with the admin site.
from .appointments import admin as appointments_admin  # noqa: E402, F401 — the same for the citizens' voice
from .archive import admin as archive_admin  # noqa: E402, F401
from .feedback import admin as feedback_admin  # noqa: E402, F401

# The national sync's log and queue (Cổng DVC quốc gia) likewise.
from .national import admin as national_admin  # noqa: E402, F401
from .survey import admin as survey_admin  # noqa: E402, F401
