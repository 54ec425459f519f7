"""What processing adds to a dossier: handovers, transfers, apologies, messages, financial obligations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel, AppendOnlyQuerySet

from ..constants import EventAction, Outcome
from . import _attachment_path
from .dossier import Dossier, DossierEvent


class DossierHandoverQuerySet(AppendOnlyQuerySet):
    def open(self) -> DossierHandoverQuerySet:
        return self.filter(completed_at__isnull=True)


class DossierHandover(AppendOnlyModel):
    """One handover (bàn giao) of a dossier: from whom to whom, when, the step's deadline and its outcome.

    Written when the dossier changes hands and closed once, by `close()`, when it changes hands again; never
    edited otherwise and never deleted (the PostgreSQL trigger allows that one update and nothing else). The
    control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ, TT 01/2018/TT-VPCP Mẫu số 05) is printed from
    these rows, and the KPI engine reads them.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="handovers")
    event = models.ForeignKey(
        DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers"
    )
    action = models.CharField(_("nội dung"), max_length=40, choices=EventAction.choices)
    step = models.ForeignKey(
        "procedures.ProcessStep",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bước xử lý"),
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_agency = models.ForeignKey(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        "portal.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_department = models.CharField(_("phòng, ban nhận"), max_length=200, blank=True)
    to_role = models.CharField(_("vai trò nhận"), max_length=24, blank=True)
    handed_at = models.DateTimeField(_("thời điểm giao"), db_index=True)
    step_due_at = models.DateTimeField(_("hạn xử lý của bước"), null=True, blank=True)
    completed_at = models.DateTimeField(_("thời điểm hoàn thành"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    closing_field = "completed_at"
    closing_details = ("outcome",)

    objects = DossierHandoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("bàn giao hồ sơ")
        verbose_name_plural = _("bàn giao hồ sơ")
        ordering = ["handed_at", "id"]
        indexes = [models.Index(fields=["dossier", "handed_at"], name="dossier_handover_order")]

    def __str__(self) -> str:
        return (
            f"{self.dossier} {self.get_action_display()} {timezone.localtime(self.handed_at):%d/%m/%Y %H:%M}"
        )

    def close(self, *, at, outcome: str) -> None:
        """The only change a handover ever sees: the step it opened ends, once (refused the second time)."""
        self._close(completed_at=at, outcome=outcome)


class DossierTransfer(models.Model):
    """Liên thông: the dossier goes to another agency (same level or another level) and comes back.

    The dossier keeps its code and its overall deadline; the receiving agency works on it in its own queue.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="transfers")
    from_agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="+")
    from_department = models.CharField(_("phòng, ban chuyển"), max_length=200, blank=True)
    to_agency = models.ForeignKey(
        "portal.Agency",
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        verbose_name=_("cơ quan phối hợp"),
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("ngày chuyển"))
    request = models.TextField(_("nội dung đề nghị phối hợp"))
    due_at = models.DateTimeField(_("hạn trả lời"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("ngày trả lại"), null=True, blank=True)
    response = models.TextField(_("kết quả phối hợp"), blank=True)
    response_file = models.FileField(upload_to=_attachment_path, max_length=255, blank=True)
    response_file_name = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("chuyển liên thông")
        verbose_name_plural = _("chuyển liên thông")
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(returned_at__isnull=True), name="one_open_transfer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.to_agency}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class DossierApology(models.Model):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (TT 01/2018/TT-VPCP, Mẫu số 04): drafted by the officer
    responsible, approved by a leader before the current due date. The new date is kept beside the original."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="apologies")
    reason = models.TextField(_("lý do chậm trễ"))
    previous_due_at = models.DateTimeField(_("ngày hẹn trả trước đó"))
    new_due_at = models.DateTimeField(_("ngày hẹn trả mới"))
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(_("ngày lập"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("ngày duyệt"), null=True, blank=True)
    event = models.ForeignKey(
        DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="apologies"
    )

    class Meta:
        verbose_name = _("phiếu xin lỗi và hẹn lại")
        verbose_name_plural = _("phiếu xin lỗi và hẹn lại")
        ordering = ["drafted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due_at__gt=models.F("previous_due_at")), name="apology_moves_date_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {timezone.localtime(self.new_due_at):%d/%m/%Y}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class DossierMessage(models.Model):
    """A message between officer and applicant on a dossier (TT 21/2023/TT-BTTTT), shown in the timeline."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="messages")
    event = models.OneToOneField(
        DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="message"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_applicant = models.BooleanField(_("người nộp gửi"))
    body = models.TextField(_("nội dung"))
    attachment = models.FileField(upload_to=_attachment_path, max_length=255, blank=True)
    attachment_name = models.CharField(_("tệp đính kèm"), max_length=255, blank=True)
    attachment_mime = models.CharField(max_length=100, blank=True)
    attachment_size = models.PositiveBigIntegerField(null=True, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("trao đổi")
        verbose_name_plural = _("trao đổi")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} {timezone.localtime(self.created_at):%d/%m/%Y %H:%M}"


class DossierObligation(models.Model):
    """A financial obligation known only after appraisal (status 6): fee, charge or tax, and its payment.

    Until the payments module settles it through a provider, an officer records a payment made at the desk
    with the receipt number.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="obligations")
    description = models.CharField(_("nội dung"), max_length=300)
    amount = models.DecimalField(_("số tiền (đồng)"), max_digits=14, decimal_places=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("ngày yêu cầu"))
    paid_amount = models.DecimalField(
        _("số tiền đã nộp"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    paid_at = models.DateTimeField(_("ngày nộp"), null=True, blank=True)
    receipt_number = models.CharField(_("số biên lai"), max_length=60, blank=True)
    payment_channel = models.CharField(_("hình thức nộp"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("nghĩa vụ tài chính")
        verbose_name_plural = _("nghĩa vụ tài chính")
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="obligation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.description}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class DossierAccessLog(AppendOnlyModel):
    """Every read of a dossier's personal data by an officer (DOMAIN §9: audit of officers' reads)."""

    class Purpose(models.TextChoices):
        VIEW = "view", _("Xem hồ sơ")
        FILE = "file", _("Tải giấy tờ của người nộp")
        DOCUMENT = "document", _("Tải phiếu, kết quả")
        ATTACHMENT = "attachment", _("Tải tệp đính kèm trao đổi")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="access_logs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    purpose = models.CharField(_("mục đích"), max_length=16, choices=Purpose.choices)
    detail = models.CharField(_("chi tiết"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("nhật ký truy cập hồ sơ")
        verbose_name_plural = _("nhật ký truy cập hồ sơ")
        indexes = [models.Index(fields=["dossier", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.dossier} — {self.get_purpose_display()}"
