"""The service index of QĐ 766/QĐ-TTg: its indicator definitions (versioned data), the daily snapshots the
dashboards aggregate, and the targets leaders set per agency and year.

- `IndicatorSet` / `Indicator`: one version of the definitions (weights changed before and will again). Each
  indicator names its numerator, denominator, points, threshold and the source rule (`source`, a key of
  `reporting.engine.sources.SOURCES`) that computes it. Seeded by a data migration; edited in the admin.
- `KpiSnapshot`: per day × agency × procedure × administrative unit × channel, the counts the indicators need,
  built from the dossiers' event history by `reporting.engine.snapshots` (any past day can be rebuilt).
- `KpiTarget`: the target a leader set for one indicator, for the whole province or one agency, for one year.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.constants import Channel


class DecisionGroup(models.IntegerChoices):
    """The five groups of the decision (2022)."""

    TRANSPARENCY = 1, _("Công khai, minh bạch")
    PROGRESS = 2, _("Tiến độ, kết quả giải quyết")
    ONLINE = 3, _("Cung cấp dịch vụ trực tuyến")
    DIGITISATION = 4, _("Số hóa hồ sơ")
    SATISFACTION = 5, _("Mức độ hài lòng")


class PortalGroup(models.TextChoices):
    """The six groups the national portal shows (online services 12 + online payment 10)."""

    TRANSPARENCY = "transparency", _("Công khai, minh bạch")
    PROGRESS = "dvc-progress", _("Tiến độ giải quyết")
    ONLINE = "provide-online", _("Dịch vụ công trực tuyến")
    DIGITISED = "dossier-digitized", _("Số hóa hồ sơ")
    PAYMENT = "online-payment", _("Thanh toán trực tuyến")
    SATISFACTION = "handling-satisfaction", _("Mức độ hài lòng")


class IndicatorSetQuerySet(models.QuerySet):
    def current(self) -> IndicatorSet | None:
        return self.filter(active=True).order_by("-valid_from", "-pk").first()


class IndicatorSet(models.Model):
    code = models.CharField(_("mã phiên bản"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    valid_from = models.DateField(_("áp dụng từ"))
    active = models.BooleanField(_("đang áp dụng"), default=True)
    source_text = models.TextField(_("căn cứ"), blank=True)

    objects = IndicatorSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("bộ chỉ số")
        verbose_name_plural = _("bộ chỉ số")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One component indicator: score = points × rate, or points × min(1, rate / threshold) with a threshold."""

    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("mã"), max_length=40)
    label = models.CharField(_("ký hiệu"), max_length=8)
    name = models.CharField(_("tên chỉ số"), max_length=300)
    group = models.PositiveSmallIntegerField(_("nhóm (quyết định)"), choices=DecisionGroup.choices)
    portal_group = models.CharField(_("nhóm (Cổng DVCQG)"), max_length=24, choices=PortalGroup.choices)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    numerator = models.TextField(_("tử số"))
    denominator = models.TextField(_("mẫu số"))
    points = models.DecimalField(_("điểm tối đa"), max_digits=5, decimal_places=2)
    threshold = models.DecimalField(
        _("ngưỡng đạt điểm tối đa (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    full_when_empty = models.BooleanField(_("đạt điểm tối đa khi mẫu số bằng 0"), default=False)
    higher_is_better = models.BooleanField(_("giá trị càng cao càng tốt"), default=True)
    unit = models.CharField(_("đơn vị"), max_length=16, default="%")
    source = models.CharField(_("quy tắc nguồn dữ liệu"), max_length=40)
    source_text = models.TextField(_("căn cứ, ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chỉ số thành phần")
        verbose_name_plural = _("chỉ số thành phần")
        ordering = ["indicator_set", "group", "order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="uniq_indicator_code_per_set"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.name}"


class KpiCounters(models.Model):
    """The cell (agency × procedure × administrative unit × channel) and the counters of a snapshot row."""

    agency = models.ForeignKey("portal.Agency", null=True, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(
        "procedures.Procedure", null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "portal.AdministrativeUnit", null=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices)

    received = models.PositiveIntegerField(default=0)
    received_online = models.PositiveIntegerField(default=0)
    received_full_online = models.PositiveIntegerField(default=0)
    received_digitised = models.PositiveIntegerField(default=0)
    received_reused = models.PositiveIntegerField(default=0)
    received_store_linked = models.PositiveIntegerField(default=0)
    received_vneid = models.PositiveIntegerField(default=0)
    received_fee = models.PositiveIntegerField(default=0)
    received_paid_online = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    finished_on_time = models.PositiveIntegerField(default=0)
    finished_minutes = models.PositiveBigIntegerField(default=0)
    finished_with_result = models.PositiveIntegerField(default=0)
    finished_electronic_result = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    supplements = models.PositiveIntegerField(default=0)
    apologies = models.PositiveIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    open_end = models.PositiveIntegerField(default=0)
    open_on_time_end = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class KpiSnapshot(KpiCounters):
    """The counts of one day for one agency × procedure × administrative unit × channel (one row per cell:
    a day is rebuilt by deleting its rows and inserting them again in one transaction).

    Flows (received, finished, events of the day) are summed over a period; stocks (`open_*`, dossiers still
    running at the end of the day) are read on the period's last day.
    """

    day = models.DateField(_("ngày"))
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("số liệu tổng hợp theo ngày")
        verbose_name_plural = _("số liệu tổng hợp theo ngày")
        indexes = [
            models.Index(fields=["day", "agency"], name="kpi_snapshot_day_agency"),
            models.Index(fields=["agency", "day"], name="kpi_snapshot_agency_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.agency_id}/{self.procedure_id}/{self.channel}"


class KpiMonthSnapshot(KpiCounters):
    """The flows of one whole month per cell, summed from the daily rows (stocks stay on the daily rows): a year's
    dashboard reads twelve of these instead of 365 days."""

    month = models.DateField(_("tháng (ngày đầu tháng)"))

    class Meta:
        verbose_name = _("số liệu tổng hợp theo tháng")
        verbose_name_plural = _("số liệu tổng hợp theo tháng")
        indexes = [
            models.Index(fields=["month", "agency"], name="kpi_month_month_agency"),
            models.Index(fields=["agency", "month"], name="kpi_month_agency_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}/{self.procedure_id}/{self.channel}"


class KpiCatalogueEntry(models.Model):
    """The catalogue as the index reads it (indicators 1c, 3a, 3b, 3đ'): one row per published procedure version
    and competent agency (none: a version without one), with the facts those indicators count. Rebuilt with the
    daily snapshots (`reporting.engine.catalogue`), so that a dashboard reads a few thousand narrow rows instead of
    joining the catalogue's tables at each request."""

    built_on = models.DateField(_("ngày tổng hợp"))
    version = models.ForeignKey("procedures.ProcedureVersion", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("portal.Agency", null=True, on_delete=models.CASCADE, related_name="+")
    online = models.BooleanField(default=False)  # offered online, partly or fully (3a)
    allows_online = models.BooleanField(default=False)  # an online service (3b)
    fee = models.BooleanField(default=False)  # bears a fee (3đ')
    full_content = models.BooleanField(default=False)  # published with every part (1c)

    class Meta:
        verbose_name = _("thủ tục trong danh mục (chỉ số)")
        verbose_name_plural = _("thủ tục trong danh mục (chỉ số)")
        indexes = [models.Index(fields=["agency", "procedure"], name="kpi_catalogue_agency")]

    def __str__(self) -> str:
        return f"{self.version_id}/{self.agency_id}"


class KpiTarget(models.Model):
    """The target for one indicator in one year, province-wide (no agency) or for one agency."""

    indicator_code = models.CharField(_("chỉ số"), max_length=40)
    agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cơ quan"),
        help_text=_("Để trống: chỉ tiêu chung của tỉnh."),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    value = models.DecimalField(_("chỉ tiêu (%)"), max_digits=6, decimal_places=2)
    set_by = models.ForeignKey(
        "portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        # One row per (indicator, agency or province, year): kept by `target_set`, which locks and updates.
        indexes = [models.Index(fields=["year", "indicator_code"], name="kpi_target_year")]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.year}: {self.value}%"


class KpiOutcome(models.Model):
    """How one finished dossier counted in indicator 2a: the day it finished and whether on time (one row per
    dossier, written with its day's snapshot). The drill-down lists read it."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày kết thúc"))
    agency = models.ForeignKey("portal.Agency", null=True, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(
        "procedures.Procedure", null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "portal.AdministrativeUnit", null=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.PositiveSmallIntegerField(_("kênh"), choices=Channel.choices)
    on_time = models.BooleanField(_("đúng hạn"))
    end_action = models.CharField(max_length=40)
    supplement_requests = models.PositiveSmallIntegerField(default=0)
    apologies = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("kết quả xử lý hồ sơ (chỉ số)")
        verbose_name_plural = _("kết quả xử lý hồ sơ (chỉ số)")
        indexes = [models.Index(fields=["day", "agency", "on_time"], name="kpi_outcome_day")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.day:%d/%m/%Y}"
