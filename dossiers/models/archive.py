"""Kho dữ liệu hồ sơ TTHC: how long finished dossiers are kept, and who read them in the archive.

These models were first defined by the repository app; they moved here with their tables, which keep the
`repository_*` names so that the rows of an existing database stay where they are.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel

from ..archive.constants import ArchiveItemKind, RetentionScope


class RetentionRule(models.Model):
    """How long the dossiers of a field, or with a result of a type, are kept (thời hạn bảo quản) [configurable].

    Data, not code: the archive rules of the province (Luật Lưu trữ 2024, the time-limit tables of the
    Ministry of Home Affairs and of each sector) change and are edited in the admin. Defaults are seeded by a
    migration. The period counts from the year the dossier ends (see dossiers.archive.retention).
    """

    scope = models.CharField(_("áp dụng cho"), max_length=16, choices=RetentionScope.choices)
    code = models.CharField(
        _("mã"),
        max_length=60,
        blank=True,
        help_text=_(
            "Mã lĩnh vực (ví dụ DD, XD) hoặc mã loại kết quả (ví dụ GPXD); để trống với quy tắc mặc định."
        ),
    )
    name = models.CharField(_("tên nhóm hồ sơ"), max_length=300)
    permanent = models.BooleanField(_("bảo quản vĩnh viễn"), default=False)
    years = models.PositiveSmallIntegerField(_("số năm bảo quản"), null=True, blank=True)
    legal_basis = models.TextField(_("căn cứ"), blank=True)
    active = models.BooleanField(_("đang áp dụng"), default=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        db_table = (
            "repository_retentionrule"  # the table kept its name when the archive moved from repository
        )
        verbose_name = _("thời hạn bảo quản hồ sơ")
        verbose_name_plural = _("thời hạn bảo quản hồ sơ")
        ordering = ["scope", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "code"],
                name="uniq_retention_scope_code",
                violation_error_message=_("Đã có quy tắc cho mã này."),
            ),
            models.CheckConstraint(
                condition=(Q(permanent=True) & Q(years__isnull=True))
                | (Q(permanent=False) & Q(years__isnull=False) & Q(years__gte=1)),
                name="retention_permanent_or_years",
                violation_error_message=_(
                    "Chọn “bảo quản vĩnh viễn” hoặc nhập số năm bảo quản (từ 1), không cả hai."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(scope=RetentionScope.DEFAULT) & Q(code=""))
                | (~Q(scope=RetentionScope.DEFAULT) & ~Q(code="")),
                name="retention_code_matches_scope",
                violation_error_message=_(
                    "Quy tắc mặc định không có mã; quy tắc theo lĩnh vực hoặc loại kết quả cần mã."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.period_label}"

    @property
    def period_label(self) -> str:
        return str(_("vĩnh viễn")) if self.permanent else f"{self.years} năm"


class ArchiveRecord(models.Model):
    """The retention of one finished dossier, computed from the rules when it ends (and again when they change).

    Kept as a row so that the archive can be searched by retention date over millions of dossiers.
    """

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="archive_record", verbose_name=_("hồ sơ")
    )
    finished_on = models.DateField(_("ngày kết thúc"))
    permanent = models.BooleanField(_("bảo quản vĩnh viễn"))
    retention_years = models.PositiveSmallIntegerField(_("số năm bảo quản"), null=True, blank=True)
    retain_until = models.DateField(_("bảo quản đến hết ngày"), null=True, blank=True, db_index=True)
    basis = models.CharField(_("nhóm hồ sơ"), max_length=500)
    legal_basis = models.TextField(_("căn cứ"), blank=True)
    computed_at = models.DateTimeField(_("tính lúc"), default=timezone.now)

    class Meta:
        db_table = (
            "repository_archiverecord"  # the table kept its name when the archive moved from repository
        )
        verbose_name = _("thời hạn bảo quản của hồ sơ")
        verbose_name_plural = _("thời hạn bảo quản của hồ sơ")
        constraints = [
            models.CheckConstraint(
                condition=(Q(permanent=True) & Q(retain_until__isnull=True))
                | (Q(permanent=False) & Q(retain_until__isnull=False)),
                name="archive_record_until_unless_permanent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.retain_until or 'vĩnh viễn'}"


class ArchiveAccessLog(AppendOnlyModel):
    """Who took which file of a dossier out of the archive, when. Append-only (DOMAIN §9: audit of reads)."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="archive_reads")
    item_kind = models.CharField(_("loại"), max_length=16, choices=ArchiveItemKind.choices)
    item_id = models.BigIntegerField(_("mã tệp"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    accessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="archive_reads"
    )
    accessed_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        db_table = (
            "repository_archiveaccesslog"  # the table kept its name when the archive moved from repository
        )
        verbose_name = _("nhật ký khai thác hồ sơ lưu trữ")
        verbose_name_plural = _("nhật ký khai thác hồ sơ lưu trữ")
        ordering = ["-accessed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.accessed_by} — {self.get_item_kind_display()} — {self.accessed_at:%d/%m/%Y %H:%M}"
