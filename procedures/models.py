"""The procedure catalogue (thủ tục hành chính): procedures and their published versions.

A procedure changes by decision (quyết định công bố). Each change is a new `ProcedureVersion`; a
dossier points at the version it was received under, so an old dossier keeps its old rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel

from .constants import (
    Channel,
    CopyType,
    ProcedureEventKind,
    ServiceLevel,
    SyncStatus,
    TargetGroup,
    TimeUnit,
    VersionSource,
    VersionStatus,
)

APPLIED_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.RETIRED)


class Field(models.Model):
    """Lĩnh vực (e.g. Hoạt động xây dựng, Hộ tịch)."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """The stable identity of a procedure: its national code. Everything that changes lives on versions."""

    code = models.CharField(_("mã thủ tục"), max_length=30, unique=True, help_text=_("Ví dụ 1.009972"))
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    # Lower-cased, diacritics-free copy of code + name used by the search fallback (see procedures.search).
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def current_version(self, on: dt.date | None = None) -> ProcedureVersion | None:
        return self.versions.in_force(on).order_by("-valid_from", "-number").first()


class ProcedureVersionQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None) -> ProcedureVersionQuerySet:
        """Versions applicable on `on`. A superseded version keeps its dates (and becomes RETIRED), so
        asking about a past date still finds the version that applied then; drafts never apply."""
        on = on or timezone.localdate()
        return self.filter(status__in=APPLIED_STATUSES, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on)
        )


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    decision_number = models.CharField(_("số quyết định công bố"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)

    name = models.CharField(_("tên thủ tục"), max_length=500)
    competent_agencies = models.ManyToManyField(
        "portal.Agency", related_name="procedure_versions", verbose_name=_("cơ quan giải quyết")
    )
    implementation_levels = models.JSONField(
        _("cấp thực hiện"), default=list, help_text=_("Danh sách giá trị trong ImplementationLevel")
    )
    target_group = models.CharField(
        _("đối tượng"), max_length=16, choices=TargetGroup.choices, default=TargetGroup.BOTH
    )
    service_level = models.CharField(_("mức độ dịch vụ"), max_length=20, choices=ServiceLevel.choices)
    allows_online = models.BooleanField(_("cho phép nộp trực tuyến"), default=True)
    allows_online_payment = models.BooleanField(_("thanh toán trực tuyến"), default=False)
    allows_postal = models.BooleanField(_("tiếp nhận/trả kết quả qua bưu chính"), default=True)
    intake_any_boundary = models.BooleanField(
        _("tiếp nhận không phụ thuộc địa giới hành chính"), default=False
    )

    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    result_type = models.CharField(_("kết quả thực hiện"), max_length=300, blank=True)
    result_validity_months = models.PositiveIntegerField(
        _("thời hạn hiệu lực kết quả (tháng)"), null=True, blank=True
    )
    # JSON Schema (subset: object with typed properties, required, enum, maxLength, pattern, format) of the
    # applicant form; rendered as an accessible HTML form and validated on the server.
    form_schema = models.JSONField(_("biểu mẫu thông tin người nộp"), default=dict, blank=True)
    is_inter_agency = models.BooleanField(_("thủ tục liên thông"), default=False)
    coordinating_agencies = models.ManyToManyField(
        "portal.Agency",
        blank=True,
        related_name="coordinated_procedure_versions",
        verbose_name=_("cơ quan phối hợp"),
    )
    sequence = models.TextField(_("trình tự thực hiện"), blank=True)
    submission_method = models.TextField(_("cách thức thực hiện"), blank=True)
    source = models.CharField(
        _("nguồn"), max_length=16, choices=VersionSource.choices, default=VersionSource.LOCAL
    )
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người công bố"),
    )

    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProcedureVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="uniq_procedure_version")]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    def time_limit(self, channel: int) -> ProcessingTime | None:
        """Processing time for a channel, falling back to the general one (channel empty)."""
        times = {t.channel: t for t in self.processing_times.all()}
        return times.get(channel) or times.get(None)

    def fees_for(self, channel: int) -> list[Fee]:
        """Fees for a channel; a channel-specific row replaces the general row of the same name."""
        rows = list(self.fees.all())
        specific = {f.name for f in rows if f.channel == channel}
        return [f for f in rows if f.channel == channel or (f.channel is None and f.name not in specific)]

    def total_fee(self, channel: int) -> Decimal:
        return sum((f.amount for f in self.fees_for(channel)), Decimal(0))


class ProcessingTime(models.Model):
    """Thời hạn giải quyết, possibly shorter for online filing [configurable per channel]."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="processing_times")
    channel = models.PositiveSmallIntegerField(
        _("kênh"),
        choices=Channel.choices,
        null=True,
        blank=True,
        help_text=_("Để trống: áp dụng cho mọi kênh"),
    )
    amount = models.DecimalField(
        _("thời hạn"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    unit = models.CharField(
        _("đơn vị"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    description = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("thời hạn giải quyết")
        verbose_name_plural = _("thời hạn giải quyết")
        constraints = [
            models.UniqueConstraint(fields=["version", "channel"], name="uniq_time_per_channel"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="processing_time_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:g} {self.get_unit_display()}"


class Fee(models.Model):
    """Phí, lệ phí, possibly reduced or waived online [configurable per channel]."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices, null=True, blank=True)
    name = models.CharField(_("tên phí, lệ phí"), max_length=300)
    amount = models.DecimalField(
        _("mức thu (đồng)"), max_digits=14, decimal_places=0, validators=[MinValueValidator(Decimal(0))]
    )
    description = models.CharField(_("ghi chú"), max_length=500, blank=True)
    due_after_appraisal = models.BooleanField(_("xác định sau thẩm định"), default=False)

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="fee_not_negative")]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount:,.0f} ₫".replace(",", ".")


class FeeExemption(models.Model):
    """A listed target group exempted from, or given a reduction of, some or all of the version's fees (Luật Phí
    và lệ phí; e.g. TT 106/2021/TT-BTC for civil-status fees). An applicant claims one group when filing; the
    one-stop desk may refuse the claim, and then the full fee is owed."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="exemptions")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    group = models.CharField(_("đối tượng được miễn, giảm"), max_length=300)
    fee_name = models.CharField(
        _("áp dụng cho khoản"),
        max_length=300,
        blank=True,
        help_text=_("Tên khoản phí, lệ phí như trong bảng phí; để trống: mọi khoản"),
    )
    percent = models.PositiveSmallIntegerField(
        _("mức miễn, giảm (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("100: miễn toàn bộ; từ 1 đến 99: giảm theo tỷ lệ"),
    )
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=500)
    proof = models.CharField(
        _("giấy tờ chứng minh"),
        max_length=500,
        blank=True,
        help_text=_("Giấy tờ người nộp xuất trình hoặc đính kèm để được miễn, giảm (nếu có)"),
    )

    class Meta:
        verbose_name = _("miễn, giảm phí, lệ phí")
        verbose_name_plural = _("miễn, giảm phí, lệ phí")
        ordering = ["version", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=1) & Q(percent__lte=100), name="fee_exemption_percent_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} ({self.effect})"

    @property
    def is_full(self) -> bool:
        return self.percent >= 100

    @property
    def effect(self) -> str:
        what = self.fee_name or str(_("mọi khoản phí, lệ phí"))
        if self.is_full:
            return str(_("miễn %(what)s")) % {"what": what}
        return str(_("giảm %(percent)s%% %(what)s")) % {"percent": self.percent, "what": what}

    def applies_to(self, fee_name: str) -> bool:
        return not self.fee_name or self.fee_name.strip().casefold() == fee_name.strip().casefold()

    def reduced(self, amount: int) -> int:
        """The amount left to pay, in whole đồng (a reduction is rounded half up)."""
        amount = int(amount)
        if self.is_full:
            return 0
        return (amount * (100 - self.percent) + 50) // 100


class Component(models.Model):
    """Thành phần hồ sơ."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    code = models.CharField(
        _("mã giấy tờ"),
        max_length=60,
        blank=True,
        help_text=_("Mã loại giấy tờ, dùng để tìm trong Kho dữ liệu"),
    )
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copy_type = models.CharField(
        _("loại bản"), max_length=20, choices=CopyType.choices, default=CopyType.ORIGINAL
    )
    quantity = models.PositiveSmallIntegerField(_("số lượng"), default=1, validators=[MinValueValidator(1)])
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    template = models.FileField(_("mẫu đơn, tờ khai"), upload_to="procedure-templates/", blank=True)
    template_name = models.CharField(_("tên mẫu"), max_length=200, blank=True)
    reusable_from_repository = models.BooleanField(_("có thể lấy từ Kho dữ liệu"), default=False)
    from_national_database = models.BooleanField(_("khai thác từ CSDL quốc gia"), default=False)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    """One step of the internal process (quy trình nội bộ) with its share of the time."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("bước"))
    name = models.CharField(_("nội dung công việc"), max_length=300)
    role = models.CharField(_("vai trò thực hiện"), max_length=24)  # portal.constants.Role
    agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cơ quan thực hiện"),
        help_text=_("Để trống: cơ quan giải quyết của hồ sơ"),
    )
    department = models.CharField(_("phòng, ban"), max_length=200, blank=True)
    share_percent = models.DecimalField(
        _("tỷ lệ thời gian (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="uniq_step_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ProcedureEvent(AppendOnlyModel):
    """Append-only history of the catalogue: versions drafted, published, retired; imports and syncs."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="events")
    version = models.ForeignKey(
        ProcedureVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("sự kiện"), max_length=24, choices=ProcedureEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    data = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lịch sử thủ tục")
        verbose_name_plural = _("lịch sử thủ tục")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["procedure", "at"])]

    def __str__(self) -> str:
        return f"{self.procedure.code} {self.get_kind_display()} {timezone.localtime(self.at):%d/%m/%Y %H:%M}"


class CatalogueSyncRun(models.Model):
    """One synchronisation with the national procedure database and what it changed."""

    source = models.CharField(_("nguồn"), max_length=200)
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    status = models.CharField(
        _("kết quả"), max_length=16, choices=SyncStatus.choices, default=SyncStatus.RUNNING
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added = models.JSONField(_("thủ tục mới"), default=list, blank=True)
    changed = models.JSONField(_("thủ tục thay đổi"), default=list, blank=True)
    retired = models.JSONField(_("thủ tục bãi bỏ"), default=list, blank=True)
    pending = models.JSONField(
        _("chờ bổ sung trước khi công bố"),
        default=list,
        blank=True,
        help_text=_("Phiên bản dự thảo chưa công bố được và lý do"),
    )
    unchanged_count = models.PositiveIntegerField(_("không đổi"), default=0)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("lần đồng bộ danh mục")
        verbose_name_plural = _("đồng bộ danh mục TTHC quốc gia")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"
