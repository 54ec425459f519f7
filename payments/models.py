"""Fees owed and paid online: payments with their append-only provider messages, refunds, receipts, the
agencies' beneficiary accounts, bank transfers that matched nothing, and the simulators' ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel, AppendOnlyQuerySet

from .constants import (
    SETTLED,
    EventKind,
    PaymentKind,
    PaymentStatus,
    Provider,
    TransferStatus,
    Verdict,
)


class BeneficiaryAccount(models.Model):
    """Where an agency's fees are paid to (treasury or bank account, TKThuHuong / MaNHThuHuong)."""

    agency = models.OneToOneField(
        "portal.Agency",
        on_delete=models.PROTECT,
        related_name="beneficiary_account",
        verbose_name=_("cơ quan"),
    )
    bank_bin = models.CharField(_("mã BIN ngân hàng (NAPAS)"), max_length=6)
    bank_code = models.CharField(_("mã ngân hàng"), max_length=20, blank=True)
    bank_name = models.CharField(_("tên ngân hàng / kho bạc"), max_length=200)
    account_number = models.CharField(_("số tài khoản"), max_length=19)
    account_name = models.CharField(_("tên tài khoản"), max_length=200)
    receipt_series = models.CharField(_("ký hiệu biên lai"), max_length=20, default="BL-26E")

    class Meta:
        verbose_name = _("tài khoản thụ hưởng")
        verbose_name_plural = _("tài khoản thụ hưởng")

    def __str__(self) -> str:
        return f"{self.agency}: {self.account_number} ({self.bank_name})"


class PaymentTerms(models.Model):
    """When a procedure's fees are paid: before the online dossier may be submitted, or also at the desk."""

    procedure = models.OneToOneField(
        "procedures.Procedure",
        on_delete=models.CASCADE,
        related_name="payment_terms",
        verbose_name=_("thủ tục"),
    )
    pay_at_filing = models.BooleanField(_("nộp phí, lệ phí khi nộp hồ sơ trực tuyến"), default=True)
    desk_payment_allowed = models.BooleanField(_("cho phép nộp tại bộ phận một cửa"), default=False)

    class Meta:
        verbose_name = _("điều kiện thu phí")
        verbose_name_plural = _("điều kiện thu phí")

    def __str__(self) -> str:
        return str(self.procedure)


class Payment(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="payments", verbose_name=_("hồ sơ")
    )
    agency = models.ForeignKey(
        "portal.Agency", on_delete=models.PROTECT, related_name="payments", verbose_name=_("cơ quan thu")
    )
    kind = models.CharField(_("loại khoản thu"), max_length=16, choices=PaymentKind.choices)
    provider = models.CharField(_("hình thức thanh toán"), max_length=16, choices=Provider.choices)
    reference = models.CharField(_("mã giao dịch"), max_length=34, unique=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    lines = models.JSONField(_("các khoản phí, lệ phí"), default=list)
    obligation_ids = models.JSONField(default=list, blank=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    payer_name = models.CharField(_("người nộp tiền"), max_length=300)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    settled_by = models.CharField(_("xác nhận qua"), max_length=16, blank=True)
    transaction_no = models.CharField(_("mã giao dịch của đơn vị thanh toán"), max_length=40, blank=True)
    bank_code = models.CharField(_("ngân hàng"), max_length=20, blank=True)
    refunded_amount = models.PositiveBigIntegerField(_("đã hoàn (đồng)"), default=0)
    provider_data = models.JSONField(default=dict, blank=True)
    # The e-receipt: number from the agency's yearly series, given when the payment settles.
    receipt_series = models.CharField(_("ký hiệu biên lai"), max_length=20, blank=True)
    receipt_number = models.CharField(_("số biên lai"), max_length=30, blank=True)
    receipt_token = models.CharField(max_length=32, blank=True)
    receipt_pdf = models.FileField(upload_to="bien-lai/%Y/%m/", blank=True)
    receipt_document_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = _("giao dịch thanh toán")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="payment_agency_day"),
            models.Index(fields=["status", "created_at"], name="payment_status_age"),
            models.Index(fields=["dossier", "status"], name="payment_dossier"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")), name="payment_refund_within_amount"
            ),
            # Each agency registers its own series (two agencies may use the same symbol).
            models.UniqueConstraint(
                fields=["agency", "receipt_series", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="uniq_payment_receipt_number",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.refunded_amount if self.is_settled else 0


class PaymentEvent(AppendOnlyModel):
    """Every message exchanged with a provider, raw, with what we made of it (append-only evidence)."""

    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    provider = models.CharField(max_length=16, choices=Provider.choices)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reference = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()
    raw = models.JSONField(default=dict)
    answer = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký giao dịch")
        verbose_name_plural = _("nhật ký giao dịch")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["reference", "at"], name="payment_event_reference")]


class PaymentRefund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("số tiền hoàn"))
    reason = models.CharField(_("lý do"), max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    succeeded = models.BooleanField(_("thành công"), default=False)
    provider_code = models.CharField(max_length=10, blank=True)
    provider_message = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("hoàn tiền")
        verbose_name_plural = _("hoàn tiền")
        ordering = ["-requested_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.payment}: {self.amount}"


class ReceiptCounter(models.Model):
    """Receipt numbers of one agency's series in one year, issued under a row lock (gap-free)."""

    agency = models.ForeignKey("portal.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="uniq_receipt_counter")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last_number}"


class UnmatchedTransfer(models.Model):
    """A bank-statement line that matched no pending payment exactly (wrong amount, unknown reference)."""

    bank_transaction_id = models.CharField(_("mã giao dịch ngân hàng"), max_length=60, unique=True)
    agency = models.ForeignKey(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveBigIntegerField(_("số tiền"))
    description = models.CharField(_("nội dung chuyển khoản"), max_length=300)
    received_at = models.DateTimeField(_("nhận lúc"))
    problem = models.CharField(_("vấn đề"), max_length=300)
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.REVIEW)

    class Meta:
        verbose_name = _("chuyển khoản chưa khớp")
        verbose_name_plural = _("chuyển khoản chưa khớp")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.bank_transaction_id


class SimulatedTransaction(models.Model):
    """The local simulators' own ledger: what the simulated gateway believes happened (never used in production)."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    reference = models.CharField(max_length=64)
    amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=4, default="01")
    transaction_no = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "reference"], name="uniq_simulated_txn")]

    def __str__(self) -> str:
        return self.reference
