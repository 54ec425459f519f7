"""Reporting to the national public-service portal (Cổng DVC quốc gia): what is to be sent, in order, per
dossier; where each dossier stands there; and the append-only log of every call (request, answer, attempt)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel

from .dossier import Dossier, DossierEvent


class NationalService(models.TextChoices):
    DOSSIER = "DongBoHoSoMC", _("Đồng bộ hồ sơ")
    PROGRESS = "CapNhatTienDoHoSoMC", _("Cập nhật tiến độ xử lý")
    LOOKUP = "TraCuuHoSo", _("Tra cứu hồ sơ")


class NationalSyncItem(models.Model):
    """One message to the national portal. Items of one dossier are sent one at a time in `id` order: a later
    step never overtakes an earlier one, and an item that fails holds the ones after it until it goes through.
    The body is built from the dossier (and the event) when sent; `sent_at` is set once, on success."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="national_items")
    service = models.CharField(_("dịch vụ"), max_length=32, choices=NationalService.choices)
    event = models.ForeignKey(
        DossierEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="national_items"
    )
    reason = models.CharField(_("lý do gửi"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi thành công lúc"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("mục đồng bộ DVC quốc gia")
        verbose_name_plural = _("hàng đợi đồng bộ DVC quốc gia")
        ordering = ["id"]
        indexes = [models.Index(fields=["dossier", "sent_at", "id"], name="national_item_queue")]

    def __str__(self) -> str:
        return f"{self.dossier} {self.service} #{self.pk}"


class NationalSyncState(models.Model):
    """Where one dossier stands at the national portal, and the short lease of the worker sending its items."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="national_sync")
    known_nationally = models.BooleanField(_("đã có trên Cổng DVC quốc gia"), default=False)
    national_status = models.PositiveSmallIntegerField(_("trạng thái đã báo"), null=True, blank=True)
    last_synced_at = models.DateTimeField(_("đồng bộ lần cuối"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tình trạng đồng bộ DVC quốc gia")
        verbose_name_plural = _("tình trạng đồng bộ DVC quốc gia")

    def __str__(self) -> str:
        return str(self.dossier)


class NationalSyncLog(AppendOnlyModel):
    """One call to the national portal for one item (or one lookup): what was sent, what came back."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="national_attempts")
    item = models.ForeignKey(
        NationalSyncItem, null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    service = models.CharField(_("dịch vụ"), max_length=32, choices=NationalService.choices)
    is_updating = models.BooleanField(_("cập nhật"), default=False)
    attempt = models.PositiveIntegerField(_("lần thứ"), default=1)
    request = models.JSONField(_("dữ liệu gửi"), default=dict, encoder=DjangoJSONEncoder)
    answer = models.JSONField(_("trả lời"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ok = models.BooleanField(_("thành công"), default=False)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("nhật ký đồng bộ DVC quốc gia")
        verbose_name_plural = _("nhật ký đồng bộ DVC quốc gia")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="national_attempt_log")]

    def __str__(self) -> str:
        return f"{self.dossier} {self.service} {timezone.localtime(self.at):%d/%m/%Y %H:%M:%S}"
