"""Accounts, organisations, administrative units, agencies and the working calendar."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import AccountType, AgencyLevel, CalendarDayKind, IdentitySource, Role, UnitLevel
from .validators import validate_agency_code, validate_cccd, validate_mst, validate_phone


class User(AbstractUser):
    """One login. Citizens are identified by their CCCD number, officers by a local account."""

    account_type = models.CharField(
        _("loại tài khoản"), max_length=16, choices=AccountType.choices, default=AccountType.CITIZEN
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)
    cccd = models.CharField(
        _("số CCCD"), max_length=12, blank=True, null=True, unique=True, validators=[validate_cccd]
    )
    identity_verified_at = models.DateTimeField(_("xác minh danh tính lúc"), null=True, blank=True)
    identity_source = models.CharField(
        _("cách xác minh danh tính"), max_length=16, blank=True, choices=IdentitySource.choices
    )
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True, validators=[validate_phone])
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    administrative_unit = models.ForeignKey(
        "AdministrativeUnit",
        verbose_name=_("đơn vị hành chính"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Province-wide roles (lãnh đạo tỉnh, quản trị). Agency roles are in AgencyMembership.
    province_role = models.CharField(
        _("vai trò cấp tỉnh"),
        max_length=24,
        blank=True,
        choices=[
            (Role.PROVINCE_LEADER.value, Role.PROVINCE_LEADER.label),
            (Role.ADMINISTRATOR.value, Role.ADMINISTRATOR.label),
        ],
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    @property
    def is_officer(self) -> bool:
        return self.account_type == AccountType.OFFICER

    @property
    def is_citizen(self) -> bool:
        return self.account_type == AccountType.CITIZEN

    def roles(self) -> set[str]:
        """Every role the account holds, across agencies."""
        if hasattr(self, "_roles_cache"):
            return self._roles_cache
        roles: set[str] = set()
        if self.is_citizen:
            roles.add(Role.CITIZEN)
        if self.province_role:
            roles.add(self.province_role)
        if self.is_officer and self.pk:
            roles.update(role for _agency, role in self.active_memberships())
        self._roles_cache = roles
        return roles

    def active_memberships(self) -> list[tuple[int, str]]:
        """(agency id, role) of the account's active memberships, read once per request (kept on the
        instance, which lives for one request)."""
        if not hasattr(self, "_memberships_cache"):
            self._memberships_cache = (
                list(self.agency_memberships.filter(active=True).values_list("agency_id", "role"))
                if self.pk
                else []
            )
        return self._memberships_cache

    def has_role(self, role: str, agency: Agency | None = None) -> bool:
        if agency is None:
            return role in self.roles()
        return self.agency_memberships.filter(active=True, role=role, agency=agency).exists()

    def agencies(self, role: str | None = None) -> models.QuerySet[Agency]:
        memberships = self.agency_memberships.filter(active=True)
        if role:
            memberships = memberships.filter(role=role)
        return Agency.objects.filter(pk__in=memberships.values("agency_id"))

    @property
    def primary_role(self) -> str:
        """The role whose home page the account lands on."""
        order = [
            Role.ADMINISTRATOR,
            Role.PROVINCE_LEADER,
            Role.AGENCY_LEADER,
            Role.APPROVER,
            Role.SPECIALIST,
            Role.INTAKE_OFFICER,
            Role.POSTAL,
            Role.CITIZEN,
        ]
        roles = self.roles()
        return next((r for r in order if r in roles), Role.CITIZEN)


class Organisation(models.Model):
    """An enterprise or other organisation, identified by its tax code (MST)."""

    tax_code = models.CharField(_("mã số thuế"), max_length=14, unique=True, validators=[validate_mst])
    name = models.CharField(_("tên tổ chức"), max_length=300)
    address = models.CharField(_("địa chỉ trụ sở"), max_length=300, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    representatives = models.ManyToManyField(
        User, through="OrganisationMember", related_name="organisations", verbose_name=_("người đại diện")
    )

    class Meta:
        verbose_name = _("tổ chức")
        verbose_name_plural = _("tổ chức")

    def __str__(self) -> str:
        return f"{self.name} (MST {self.tax_code})"


class OrganisationMember(models.Model):
    """A citizen allowed to act for an organisation (legal representative or authorised person)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisation_memberships")
    position = models.CharField(_("chức vụ"), max_length=100, blank=True)
    is_legal_representative = models.BooleanField(_("người đại diện theo pháp luật"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="uniq_org_member")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"


class AdministrativeUnitQuerySet(models.QuerySet):
    def current(self, on: dt.date | None = None) -> AdministrativeUnitQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on)
        )


class AdministrativeUnit(models.Model):
    """A province, commune or (historical) district, with effective dates and its successor after a merger."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=150)
    level = models.CharField(_("cấp"), max_length=16, choices=UnitLevel.choices)
    division_type = models.CharField(_("loại"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("trực thuộc"),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hết hiệu lực từ"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
    )

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return self.name

    def current_successor(self) -> AdministrativeUnit:
        """Follow successor links to the unit in force today (old dossiers reference merged units)."""
        unit, seen = self, set()
        while unit.successor_id and unit.pk not in seen:
            seen.add(unit.pk)
            unit = unit.successor
        return unit


class Agency(models.Model):
    """A state agency (cơ quan) that receives or handles dossiers."""

    code = models.CharField(_("mã định danh"), max_length=14, unique=True, validators=[validate_agency_code])
    name = models.CharField(_("tên cơ quan"), max_length=300)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    level = models.CharField(_("cấp"), max_length=16, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("địa bàn phục vụ"),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    opening_hours = models.CharField(_("giờ tiếp nhận"), max_length=200, blank=True)
    has_one_stop_desk = models.BooleanField(_("có bộ phận một cửa"), default=False)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AgencyMembership(models.Model):
    """An officer's role in one agency; an officer may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=24, choices=Role.choices)
    department = models.CharField(_("phòng, ban"), max_length=200, blank=True)
    active = models.BooleanField(_("đang hiệu lực"), default=True)

    class Meta:
        verbose_name = _("phân công cán bộ")
        verbose_name_plural = _("phân công cán bộ")
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="uniq_agency_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class WorkCalendar(models.Model):
    """The province's working calendar: weekly working windows, cut-off hour and exceptional days.

    Authoritative for every deadline (NĐ 118/2025: time limits count in working days). Holidays are
    seeded from the `holidays` package and edited by an administrator; make-up working days are entered here.
    """

    name = models.CharField(_("tên lịch"), max_length=100, unique=True)
    is_default = models.BooleanField(_("lịch mặc định"), default=False)
    morning_start = models.TimeField(_("sáng từ"), default=dt.time(7, 0))
    morning_end = models.TimeField(_("sáng đến"), default=dt.time(11, 30))
    afternoon_start = models.TimeField(_("chiều từ"), default=dt.time(13, 30))
    afternoon_end = models.TimeField(_("chiều đến"), default=dt.time(17, 0))
    # Bitmask of ISO weekdays that are working days: Monday=bit 0 … Sunday=bit 6. Default Mon–Fri.
    weekly_working_days = models.PositiveSmallIntegerField(_("ngày làm việc trong tuần"), default=0b0011111)
    cutoff_time = models.TimeField(
        _("giờ chốt tiếp nhận"),
        null=True,
        blank=True,
        default=dt.time(16, 0),
        help_text=_("Hồ sơ tiếp nhận sau giờ này được tính từ ngày làm việc tiếp theo."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lịch làm việc")
        verbose_name_plural = _("lịch làm việc")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            ),
            models.CheckConstraint(
                condition=Q(morning_start__lt=models.F("morning_end")), name="morning_window"
            ),
            models.CheckConstraint(
                condition=Q(morning_end__lte=models.F("afternoon_start"))
                & Q(afternoon_start__lt=models.F("afternoon_end")),
                name="afternoon_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """An exception to the weekly pattern: a holiday on a weekday or a make-up working day on a weekend."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("tên"), max_length=200)
    source = models.CharField(_("nguồn"), max_length=40, default="admin")

    class Meta:
        verbose_name = _("ngày ngoại lệ")
        verbose_name_plural = _("ngày ngoại lệ")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_day")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class PendingTask(models.Model):
    """A Celery task recorded in the transaction of the change that needs it (the task outbox).

    Written by `portal.outbox.enqueue`; sent to the broker after commit and marked dispatched. When the
    broker is unreachable the row stays pending and the beat task `portal.outbox_dispatch` sends it later,
    so no work is lost and no broker error reaches the person who made the change.
    """

    task = models.CharField(_("tác vụ"), max_length=200)
    args = models.JSONField(_("tham số"), default=list, blank=True)
    queue = models.CharField(_("hàng đợi"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("lần gửi gần nhất"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("tác vụ chờ gửi")
        verbose_name_plural = _("tác vụ chờ gửi")
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="pendingtask_pending"
            ),
            models.Index(fields=["dispatched_at"], name="pendingtask_dispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"

    @property
    def is_pending(self) -> bool:
        return self.dispatched_at is None


class NationalIdentity(models.Model):
    """The link of a citizen account to a national SSO account (VNeID / Cổng DVC quốc gia): made once, by the
    personal identification number, then found by the SSO's stable subject (TechID)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="national_identities")
    subject = models.CharField(_("mã tài khoản định danh (TechID)"), max_length=200, unique=True)
    account_type = models.CharField(_("loại tài khoản (LoaiTaiKhoan)"), max_length=2, blank=True)
    login_idp = models.CharField(_("nơi xác thực (loginIdp)"), max_length=20, blank=True)
    linked_at = models.DateTimeField(_("liên kết lúc"))
    last_login_at = models.DateTimeField(_("đăng nhập lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("tài khoản định danh quốc gia")
        verbose_name_plural = _("tài khoản định danh quốc gia")

    def __str__(self) -> str:
        return f"{self.user} — {self.subject}"
