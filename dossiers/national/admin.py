"""The national sync in the admin: every call (request, answer, attempt), the queue per dossier, and an action
that sends a dossier again."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import NationalSyncItem, NationalSyncLog, NationalSyncState
from .sync import national_sync_queue_dossier


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=1, default=str))


@admin.register(NationalSyncLog)
class NationalSyncLogAdmin(ReadOnly):
    list_display = ["at", "dossier", "service", "is_updating", "attempt", "ok", "error"]
    list_filter = ["ok", "service"]
    search_fields = ["dossier__code", "dossier__national_code"]
    list_select_related = ["dossier"]
    fields = ["at", "dossier", "item", "service", "is_updating", "attempt", "ok", "error", "sent", "answered"]
    readonly_fields = fields

    @admin.display(description=_("dữ liệu gửi"))
    def sent(self, obj):
        return _pretty(obj.request)

    @admin.display(description=_("trả lời"))
    def answered(self, obj):
        return _pretty(obj.answer)


@admin.register(NationalSyncItem)
class NationalSyncItemAdmin(ReadOnly):
    list_display = ["id", "dossier", "service", "event", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["service", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["dossier__code", "dossier__national_code"]
    list_select_related = ["dossier", "event"]
    actions = ["send_again"]

    @admin.action(description=_("Gửi lại hồ sơ lên Cổng DVC quốc gia"))
    def send_again(self, request, queryset):
        dossiers = {item.dossier for item in queryset.select_related("dossier")}
        for dossier in dossiers:
            national_sync_queue_dossier(dossier=dossier, reason="admin")
        messages.success(request, _("Đã xếp lịch gửi lại %(n)s hồ sơ.") % {"n": len(dossiers)})


@admin.register(NationalSyncState)
class NationalSyncStateAdmin(ReadOnly):
    list_display = ["dossier", "known_nationally", "national_status", "last_synced_at"]
    search_fields = ["dossier__code", "dossier__national_code"]
    list_select_related = ["dossier"]
