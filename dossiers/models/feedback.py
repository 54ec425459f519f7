"""Feedback and complaints (phản ánh, kiến nghị — PAKN) and their append-only history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel

from ..feedback.constants import FeedbackAction, FeedbackCategory, FeedbackState


def _feedback_attachment_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"feedback/{uuid.uuid4().hex}.{extension}"


class Feedback(models.Model):
    """One feedback or complaint. The person follows it with its code and lookup secret, like a dossier."""

    code = models.CharField(_("mã phản ánh"), max_length=24, unique=True)
    lookup_secret = models.CharField(_("mã tra cứu"), max_length=12)
    category = models.CharField(_("loại phản ánh"), max_length=20, choices=FeedbackCategory.choices)
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"), max_length=5000)
    name = models.CharField(_("họ và tên"), max_length=200)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    private = models.BooleanField(_("không công khai nội dung và trả lời"), default=False)
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    agency = models.ForeignKey(
        "portal.Agency", on_delete=models.PROTECT, related_name="feedback", verbose_name=_("cơ quan xử lý")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_feedback",
        verbose_name=_("cán bộ xử lý"),
    )
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=FeedbackState.choices, default=FeedbackState.RECEIVED
    )
    received_at = models.DateTimeField(_("ngày tiếp nhận"), db_index=True)
    due_at = models.DateTimeField(_("hạn trả lời"))
    escalated_at = models.DateTimeField(_("báo cáo lãnh đạo lúc"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_at = models.DateTimeField(_("ngày trả lời"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attachment = models.FileField(upload_to=_feedback_attachment_path, max_length=255, blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_mime = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="feedback_open_due")]
        constraints = [
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="feedback_has_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def published(self) -> bool:
        """Shown on the public page: answered, and the person did not ask for privacy."""
        return self.state == FeedbackState.ANSWERED and not self.private


class FeedbackEvent(AppendOnlyModel):
    """What happened to a feedback: filed, routed, assigned, answered, escalated. Never changed."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    action = models.CharField(_("thao tác"), max_length=16, choices=FeedbackAction.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("lịch sử phản ánh, kiến nghị")
        verbose_name_plural = _("lịch sử phản ánh, kiến nghị")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.feedback_id} — {self.get_action_display()}"
