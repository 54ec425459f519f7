from django.contrib import admin

from .models import (
    BeneficiaryAccount,
    Payment,
    PaymentEvent,
    PaymentRefund,
    PaymentTerms,
    UnmatchedTransfer,
)


@admin.register(BeneficiaryAccount)
class BeneficiaryAccountAdmin(admin.ModelAdmin):
    list_display = ("agency", "bank_name", "account_number", "account_name", "receipt_series")
    search_fields = ("agency__name", "account_number")


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin):
    list_display = ("procedure", "pay_at_filing", "desk_payment_allowed")
    autocomplete_fields = ("procedure",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Payments change only through their services and providers' messages; the admin only reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    fields = ("at", "kind", "verdict", "raw", "answer", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "provider", "status", "amount", "agency", "created_at", "paid_at")
    list_filter = ("provider", "status", "kind")
    search_fields = ("reference", "transaction_no", "dossier__code", "receipt_number")
    inlines = [PaymentEventInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "provider", "kind", "verdict", "reference")
    list_filter = ("provider", "kind", "verdict")
    search_fields = ("reference",)


@admin.register(PaymentRefund)
class PaymentRefundAdmin(ReadOnlyAdmin):
    list_display = ("payment", "amount", "succeeded", "requested_by", "requested_at")


@admin.register(UnmatchedTransfer)
class UnmatchedTransferAdmin(admin.ModelAdmin):
    list_display = ("bank_transaction_id", "amount", "description", "agency", "status", "received_at")
    list_filter = ("status",)
    readonly_fields = (
        "bank_transaction_id",
        "amount",
        "description",
        "agency",
        "payment",
        "received_at",
        "problem",
    )
