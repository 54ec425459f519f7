"""The province the generated dossiers live in: the demo province and catalogue, more communes as agencies,
officers for every role of every agency, a pool of citizens, and the procedures weighted as real volumes are.

Built through the ORM (a few thousand rows); idempotent, so generating twice into one database reuses it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from portal import demo as portal_demo
from portal.constants import AccountType, AgencyLevel, IdentitySource, Role, UnitLevel
from portal.models import AdministrativeUnit, Agency, AgencyMembership, User
from portal.services import calendar_get_or_create_default, calendar_seed_holidays
from procedures import demo as procedures_demo
from procedures.constants import Channel, TimeUnit, VersionStatus
from procedures.models import ProcedureVersion

from ..services.handovers import DESK_DEPARTMENT

PROVINCE_DESK = "000.00.15.H32"
UNUSABLE_PASSWORD = "!generated-account"
# Relative yearly volume by field (lĩnh vực): civil status and certification dominate a province's one-stop desks.
FIELD_WEIGHTS = {
    "CT": 38.0,  # chứng thực
    "HT": 30.0,  # hộ tịch
    "DD": 9.0,  # đất đai
    "LLTP": 6.0,  # lý lịch tư pháp
    "HKD": 5.0,  # hộ kinh doanh
    "DN": 3.0,
    "XD": 2.5,
    "YT": 1.0,
    "DUOC": 1.0,
    "ATTP": 1.0,
    "NN": 1.0,
    "MT": 0.3,
}
# Within a field, the everyday procedures carry most of the volume.
NAME_WEIGHTS = {
    "bản sao": 4.0,
    "khai sinh": 3.0,
    "chữ ký": 2.5,
    "khai tử": 1.5,
    "kết hôn": 1.5,
    "biến động": 2.0,
}
FIRST_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
]
MIDDLE_NAMES = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Quốc", "Thu", "Đức", "Kim"]
GIVEN_NAMES = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai",
               "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]  # fmt: skip


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


@dataclass(frozen=True)
class Step:
    id: int | None
    department: str
    share: float  # percent of the legal time


@dataclass
class Plan:
    """One procedure version as the generator uses it."""

    version_id: int
    code: str
    field_code: str
    name: str
    weight: float
    commune: bool
    competent_id: int | None  # provincial procedures: the department (or the police) deciding
    desk_id: int | None  # provincial procedures: the desk receiving
    allows_online: bool
    allows_postal: bool
    limit_seconds: dict[int, float]  # per channel; None key = any channel
    intake: Step
    specialist: Step
    approver: Step
    intake_last: Step
    result_validity: int | None

    def limit(self, channel: int) -> float | None:
        return self.limit_seconds.get(channel, self.limit_seconds.get(0))


@dataclass
class Staff:
    intake: list[int] = field(default_factory=list)
    specialists: list[int] = field(default_factory=list)
    approvers: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)


@dataclass
class Province:
    plans: list[Plan]
    communes: list[tuple[int, int, float]]  # (agency id, administrative unit id, relative size)
    agency_codes: dict[int, str]
    staff: dict[int, Staff]
    citizens: list[tuple[int, str, str, str]]  # (user id, name, cccd, address)
    officer_names: dict[int, str]
    transfer_targets: list[int]
    police_id: int
    field_codes: dict[int, str]


def _units(limit: int) -> list[AdministrativeUnit]:
    return list(
        AdministrativeUnit.objects.filter(
            level=UnitLevel.COMMUNE, valid_to__isnull=True, parent__code=portal_demo.PROVINCE_CODE
        ).order_by("code")[:limit]
    )


def _ensure_communes(count: int) -> None:
    """Commune people's committees with a one-stop desk, beyond the four of the demo province."""
    taken = set(
        Agency.objects.filter(level=AgencyLevel.COMMUNE).values_list("administrative_unit_id", flat=True)
    )
    parent = Agency.objects.get(code="000.00.00.H32")
    have = len(taken)
    n = 0
    for unit in _units(count + len(taken)):
        if have >= count:
            break
        if unit.pk in taken:
            continue
        code = f"000.{40 + n // 100:02d}.{n % 100:02d}.H32"
        n += 1
        _agency, created = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name": f"Ủy ban nhân dân {unit.name.lower() if unit.name[:1].isupper() else unit.name}",
                "short_name": f"UBND {unit.name}"[:60],
                "level": AgencyLevel.COMMUNE,
                "parent": parent,
                "administrative_unit": unit,
                "has_one_stop_desk": True,
                "address": unit.name,
                "opening_hours": portal_demo.OPENING_HOURS,
            },
        )
        have += 1


def _officer(username: str, name: str) -> User:
    return User(
        username=username,
        password=UNUSABLE_PASSWORD,
        full_name=name,
        account_type=AccountType.OFFICER,
        email=f"{username}@khanhhoa.gov.vn",
    )


def _ensure_staff(
    rng: random.Random, agencies: list[Agency], departments: dict[int, str], big: set[int]
) -> None:
    """Officers for every agency role, created once (usernames `sg.<agency code>.<role>.<n>`)."""
    existing = set(User.objects.filter(username__startswith="sg.").values_list("username", flat=True))
    wanted: list[tuple[User, Agency, str, str]] = []
    for agency in agencies:
        department = departments.get(agency.pk, "")
        scale = 3 if agency.pk in big else 1
        roles = []
        if agency.has_one_stop_desk:
            roles.append((Role.INTAKE_OFFICER, 2 * scale, DESK_DEPARTMENT))
        if agency.pk in departments:
            roles += [
                (Role.SPECIALIST, 3 * scale, department),
                (Role.APPROVER, scale, department),
                (Role.AGENCY_LEADER, 1, "Ban Lãnh đạo"),
            ]
        for role, count, dept in roles:
            for n in range(count):
                username = f"sg.{agency.code}.{role}.{n}"
                if username not in existing:
                    wanted.append((_officer(username, person_name(rng)), agency, role, dept))
    User.objects.bulk_create([w[0] for w in wanted], batch_size=500)
    users = {u.username: u.pk for u in User.objects.filter(username__in=[w[0].username for w in wanted])}
    AgencyMembership.objects.bulk_create(
        [
            AgencyMembership(user_id=users[u.username], agency=agency, role=role, department=dept)
            for u, agency, role, dept in wanted
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


def _ensure_citizens(rng: random.Random, count: int) -> None:
    existing = User.objects.filter(username__startswith="0569").count()
    if existing >= count:
        return
    units = [(u.pk, u.name) for u in _units(400)]
    verified = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)
    rows = []
    for n in range(existing, count):
        cccd = f"0569{n:08d}"
        unit_id, unit_name = rng.choice(units)
        rows.append(
            User(
                username=cccd,
                password=UNUSABLE_PASSWORD,
                cccd=cccd,
                full_name=person_name(rng),
                account_type=AccountType.CITIZEN,
                administrative_unit_id=unit_id,
                address=f"{rng.randint(1, 300)} đường số {rng.randint(1, 40)}, {unit_name}, tỉnh Khánh Hòa",
                identity_verified_at=verified,
                identity_source=IdentitySource.NATIONAL_SSO,
            )
        )
    User.objects.bulk_create(rows, batch_size=1000)


def _limit_seconds(version: ProcedureVersion, day_minutes: int) -> dict[int, float]:
    limits = {}
    for time in version.processing_times.all():
        minutes = float(time.amount) * (60 if time.unit == TimeUnit.WORKING_HOURS else day_minutes)
        limits[time.channel or 0] = minutes * 60
    return limits


def _steps(version: ProcedureVersion) -> tuple[Step, Step, Step, Step]:
    steps = list(version.steps.all())

    def pick(role: str, last: bool = False) -> Step:
        matching = [s for s in steps if s.role == role]
        if not matching:
            return Step(None, "", 0.0)
        s = matching[-1] if last else matching[0]
        return Step(s.pk, s.department, float(s.share_percent))

    return (
        pick(Role.INTAKE_OFFICER),
        pick(Role.SPECIALIST),
        pick(Role.APPROVER),
        pick(Role.INTAKE_OFFICER, True),
    )


@transaction.atomic
def build(*, seed: int, communes: int, citizens: int, years: int, day_minutes_calendar) -> Province:
    """The province, created or completed, and the plans the lifecycles are drawn from."""
    rng = random.Random(f"province:{seed}")
    if not Agency.objects.filter(code=PROVINCE_DESK).exists():
        portal_demo.load()
    if not ProcedureVersion.objects.exists():
        procedures_demo.load()
    calendar = calendar_get_or_create_default()
    this_year = timezone.localdate().year
    calendar_seed_holidays(calendar=calendar, years=list(range(this_year - years - 1, this_year + 3)))
    _ensure_communes(communes)

    versions = list(
        ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("procedure__field")
        .prefetch_related("competent_agencies", "steps", "processing_times")
        .order_by("procedure__code", "number")
    )
    commune_agencies = list(Agency.objects.filter(level=AgencyLevel.COMMUNE, active=True).order_by("code"))
    desk = Agency.objects.get(code=PROVINCE_DESK)
    police = Agency.objects.get(code="000.00.30.H32")
    through = ProcedureVersion.competent_agencies.through
    departments: dict[int, str] = {}
    plans = []
    for version in versions:
        intake, specialist, approver, intake_last = _steps(version)
        competent = list(version.competent_agencies.all())
        commune = bool(competent) and all(a.level == AgencyLevel.COMMUNE for a in competent)
        if commune:
            have = {a.pk for a in competent}
            through.objects.bulk_create(
                [
                    through(procedureversion_id=version.pk, agency_id=a.pk)
                    for a in commune_agencies
                    if a.pk not in have
                ]
            )
            for a in commune_agencies:
                departments.setdefault(a.pk, specialist.department)
            competent_id = desk_id = None
        else:
            if not competent:
                continue
            agency = sorted(competent, key=lambda a: a.code)[0]
            competent_id = agency.pk
            desk_id = agency.pk if agency.has_one_stop_desk else desk.pk
            departments.setdefault(agency.pk, specialist.department)
        field_code = version.procedure.field.code if version.procedure.field_id else ""
        weight = FIELD_WEIGHTS.get(field_code, 0.5)
        lowered = version.name.lower()
        weight *= max([w for key, w in NAME_WEIGHTS.items() if key in lowered] or [1.0])
        plans.append(
            Plan(
                version_id=version.pk,
                code=version.procedure.code,
                field_code=field_code,
                name=version.name,
                weight=weight,
                commune=commune,
                competent_id=competent_id,
                desk_id=desk_id,
                allows_online=version.allows_online,
                allows_postal=version.allows_postal,
                limit_seconds=_limit_seconds(version, day_minutes_calendar),
                intake=intake,
                specialist=specialist,
                approver=approver,
                intake_last=intake_last,
                result_validity=version.result_validity_months,
            )
        )
    agencies = list(Agency.objects.filter(pk__in={*departments, desk.pk, police.pk}).order_by("code"))
    big = {desk.pk, police.pk, *[p.competent_id for p in plans if p.competent_id]}
    _ensure_staff(rng, agencies, departments, big)
    _ensure_citizens(rng, citizens)

    staff: dict[int, Staff] = {}
    names: dict[int, str] = {}
    memberships = (
        AgencyMembership.objects.filter(active=True, user__username__startswith="sg.")
        .select_related("user")
        .order_by("agency_id", "role", "user__username")
    )
    for m in memberships:
        s = staff.setdefault(m.agency_id, Staff())
        names[m.user_id] = m.user.full_name
        {
            Role.INTAKE_OFFICER: s.intake,
            Role.SPECIALIST: s.specialists,
            Role.APPROVER: s.approvers,
            Role.AGENCY_LEADER: s.leaders,
        }.get(m.role, []).append(m.user_id)
    size_rng = random.Random(f"communes:{seed}")
    communes_sized = [
        (a.pk, a.administrative_unit_id, 0.3 + size_rng.random() * 1.7) for a in commune_agencies
    ]
    people = list(
        User.objects.filter(username__startswith="0569")
        .order_by("username")
        .values_list("pk", "full_name", "cccd", "address")
    )
    return Province(
        plans=plans,
        communes=communes_sized,
        agency_codes=dict(Agency.objects.values_list("pk", "code")),
        staff=staff,
        citizens=people,
        officer_names=names,
        transfer_targets=sorted({p.competent_id for p in plans if p.competent_id}),
        police_id=police.pk,
        field_codes={p.version_id: p.field_code for p in plans},
    )


CHANNELS = (Channel.COUNTER, Channel.ONLINE, Channel.POSTAL)
