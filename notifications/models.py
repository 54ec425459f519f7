"""Notification outbox rows, their delivery attempts, people's choices, templates and the Zalo OA token."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel

from .constants import AttemptOutcome, Channel, ContactKind, Kind, Provider, ReportOutcome, Status


class Notification(models.Model):
    """One message to one person on one channel for one event: written in the event's transaction, delivered
    by a worker after commit. `idempotency_key` (event, recipient, channel) is unique, so the same event never
    yields two rows for one channel; the worker's claim (a conditional UPDATE) lets one worker send it."""

    kind = models.CharField(_("loại thông báo"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    # Empty for a person without an account (a walk-in applicant, a feedback or booking contact): the row
    # then goes to `address` only.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    contact_name = models.CharField(_("tên người nhận"), max_length=200, blank=True)
    address = models.CharField(_("địa chỉ nhận"), max_length=254, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    # The dossier is named by id and code only: the dossiers app sits above this one.
    dossier_id = models.BigIntegerField(_("hồ sơ"), null=True, blank=True, db_index=True)
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=40, blank=True)
    link = models.CharField(_("đường dẫn"), max_length=300, blank=True)
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    html = models.TextField(_("nội dung HTML"), blank=True)
    template_id = models.CharField(_("mã mẫu ZNS"), max_length=40, blank=True)
    params = models.JSONField(_("tham số mẫu"), default=dict, blank=True)
    # The values the message was written from (kept to write it again on another channel).
    context = models.JSONField(_("dữ liệu của mẫu"), default=dict, blank=True)
    idempotency_key = models.CharField(_("khóa chống gửi trùng"), max_length=200, unique=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("bắt đầu gửi lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("đến người nhận lúc"), null=True, blank=True)
    # Sends started again after the provider reported the message undelivered: each gets its own RequestId.
    resends = models.PositiveSmallIntegerField(_("số lần gửi lại sau báo lỗi"), default=0)
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)
    provider_message_id = models.CharField(_("mã tin của nhà cung cấp"), max_length=100, blank=True)
    error_code = models.CharField(_("mã lỗi"), max_length=40, blank=True)
    error_message = models.CharField(_("lỗi"), max_length=500, blank=True)
    fallback_of = models.ForeignKey(
        "self", verbose_name=_("thay cho"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} · {self.get_channel_display()} · {self.address or self.recipient_id}"
        )

    @property
    def recipient_label(self) -> str:
        return str(self.recipient) if self.recipient_id else self.contact_name or self.address

    @property
    def request_id(self) -> str:
        """The key the provider de-duplicates on (eSMS RequestId ≤ 50 characters, ZNS tracking_id). A send
        started again after an "undelivered" report carries a new one (the provider would drop it as a
        duplicate otherwise); a send repeated after a worker crash keeps it."""
        suffix = f"#{self.resends}" if self.resends else ""
        return hashlib.sha256(f"{self.idempotency_key}{suffix}".encode()).hexdigest()[:40]

    @property
    def is_unread(self) -> bool:
        return self.channel == Channel.INBOX and self.read_at is None


class DeliveryEvent(AppendOnlyModel):
    """What a provider answered to one attempt (kept as history: never changed)."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="delivery_events")
    at = models.DateTimeField(_("lúc"))
    outcome = models.CharField(_("kết quả"), max_length=12, choices=AttemptOutcome.choices)
    code = models.CharField(_("mã trả về"), max_length=40, blank=True)
    message = models.CharField(_("thông điệp"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("lần gửi thông báo")
        verbose_name_plural = _("lần gửi thông báo")
        ordering = ["at", "pk"]


class ProviderReport(models.Model):
    """A delivery report a provider sent (eSMS callback, Zalo webhook), kept once per message and outcome.

    Applied to its notification at once when the row carries the provider's message id, otherwise when the
    worker records the send (a provider may report before the worker has written the id down)."""

    provider = models.CharField(_("nhà cung cấp"), max_length=8, choices=Provider.choices)
    message_id = models.CharField(_("mã tin của nhà cung cấp"), max_length=100)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=ReportOutcome.choices)
    code = models.CharField(_("mã trả về"), max_length=40, blank=True)
    message = models.CharField(_("thông điệp"), max_length=500, blank=True)
    retry = models.BooleanField(_("gửi lại được"), default=False)
    received_at = models.DateTimeField(_("nhận lúc"))
    applied_at = models.DateTimeField(_("áp dụng lúc"), null=True, blank=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="provider_reports"
    )

    class Meta:
        verbose_name = _("báo cáo gửi tin của nhà cung cấp")
        verbose_name_plural = _("báo cáo gửi tin của nhà cung cấp")
        constraints = [
            models.UniqueConstraint(fields=["provider", "message_id", "outcome"], name="provider_report_once")
        ]
        indexes = [models.Index(fields=["provider", "message_id"], name="provider_report_message")]

    def __str__(self) -> str:
        return f"{self.provider} {self.message_id} {self.outcome}"


class Subscriber(models.Model):
    """A person's contacts for notifications (each verified by a code before use) and language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    language = models.CharField(
        _("ngôn ngữ nhận thông báo"),
        max_length=8,
        default="vi",
        choices=[("vi", "Tiếng Việt"), ("en", "English")],
    )
    phone = models.CharField(_("số điện thoại nhận thông báo"), max_length=15, blank=True)
    phone_verified_at = models.DateTimeField(_("xác minh số điện thoại lúc"), null=True, blank=True)
    email = models.EmailField(_("thư điện tử nhận thông báo"), blank=True)
    email_verified_at = models.DateTimeField(_("xác minh thư điện tử lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("người nhận thông báo")
        verbose_name_plural = _("người nhận thông báo")

    def __str__(self) -> str:
        return str(self.user)

    def verified_address(self, channel: str) -> str:
        if channel in (Channel.SMS, Channel.ZALO):
            return self.phone if self.phone and self.phone_verified_at else ""
        if channel == Channel.EMAIL:
            return self.email if self.email and self.email_verified_at else ""
        return ""


class ContactVerification(models.Model):
    """A code sent to a phone or e-mail address the person entered; the address is used once the code is
    typed back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ContactKind.choices)
    value = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mã xác minh liên hệ")
        verbose_name_plural = _("mã xác minh liên hệ")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Preference(models.Model):
    """The channels an account chose for one kind of notification (the portal inbox is always on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channels = models.JSONField(default=list)

    class Meta:
        verbose_name = _("lựa chọn nhận thông báo")
        verbose_name_plural = _("lựa chọn nhận thông báo")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class MessageTemplate(models.Model):
    """An administrator's wording for one kind, channel and language (replaces the built-in one)."""

    kind = models.CharField(_("loại thông báo"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    zns_template_id = models.CharField(_("mã mẫu ZNS đã duyệt"), max_length=40, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel", "language"], name="message_template_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.language}"


class ZaloToken(models.Model):
    """The Official Account's access token and its single-use refresh token, always replaced together."""

    access_token = models.TextField(blank=True)
    refresh_token = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("mã truy cập Zalo OA")
        verbose_name_plural = _("mã truy cập Zalo OA")

    def __str__(self) -> str:
        return f"Zalo OA token #{self.generation}"


class SimulatedMessage(models.Model):
    """What the local SMS / ZNS simulators accepted (development and tests only)."""

    provider = models.CharField(max_length=8)
    phone = models.CharField(max_length=20)
    content = models.TextField(blank=True)
    template_id = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    callback_url = models.CharField(max_length=500, blank=True)
    reported = models.CharField(max_length=12, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider} {self.phone}"

    @property
    def provider_message_id(self) -> str:
        """What the simulator answered as the message's id (eSMS SMSID, ZNS msg_id)."""
        return f"sim-{self.pk}" if self.provider == "esms" else f"zns-{self.pk}"


class SimulatorState(models.Model):
    """The simulated providers' own state: the OA's valid tokens, the SMS balance."""

    key = models.CharField(max_length=40, unique=True)
    value = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.key
