from django.contrib import admin

from .models import DeliveryEvent, MessageTemplate, Notification, Subscriber


class DeliveryEventInline(admin.TabularInline):
    model = DeliveryEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "outcome", "code", "message"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "channel",
        "recipient",
        "address",
        "dossier_code",
        "status",
        "attempts",
        "delivered_at",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["dossier_code", "address", "recipient__username", "provider_message_id"]
    inlines = [DeliveryEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # its delivery history stays


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "language", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False  # edited on /thong-bao/quan-tri/mau/, where the checks and preview are

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "phone", "phone_verified_at", "email", "email_verified_at"]
    search_fields = ["user__username", "phone", "email"]
    readonly_fields = ["phone_verified_at", "email_verified_at"]
