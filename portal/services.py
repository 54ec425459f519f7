"""Writes for accounts, agencies and the working calendar."""

from __future__ import annotations

import datetime as dt
import re

import holidays
from django.db import transaction

from .constants import AccountType, CalendarDayKind, IdentitySource, Role
from .errors import ApplicationError
from .models import Agency, AgencyMembership, CalendarDay, User, WorkCalendar

_SUBSTITUTED_FROM = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


@transaction.atomic
def calendar_seed_holidays(*, calendar: WorkCalendar, years: list[int]) -> int:
    """Add Vietnam's public holidays (Bộ luật Lao động 2019, Điều 112) and the official swaps for `years`.

    The `holidays` package publishes the swapped days off with the Saturday worked in exchange
    ("Ngày nghỉ (thay cho ngày 26/04/2025)"); that Saturday becomes a make-up working day. Days an
    administrator already entered are left as they are: the calendar in the database is authoritative.
    """
    existing = set(calendar.days.values_list("date", flat=True))
    new_days: list[CalendarDay] = []
    for day, name in sorted(holidays.VN(years=years, language="vi").items()):
        if day not in existing:
            new_days.append(
                CalendarDay(
                    calendar=calendar, date=day, kind=CalendarDayKind.HOLIDAY, name=name, source="holidays"
                )
            )
            existing.add(day)
        for match in _SUBSTITUTED_FROM.finditer(name):
            makeup = dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            if makeup not in existing:
                new_days.append(
                    CalendarDay(
                        calendar=calendar,
                        date=makeup,
                        kind=CalendarDayKind.WORKING,
                        name=f"Làm bù cho ngày {day:%d/%m/%Y}",
                        source="holidays",
                    )
                )
                existing.add(makeup)
    CalendarDay.objects.bulk_create(new_days)
    if new_days:
        calendar.save(update_fields=["updated_at"])
    return len(new_days)


def calendar_get_or_create_default() -> WorkCalendar:
    calendar, _ = WorkCalendar.objects.get_or_create(
        is_default=True, defaults={"name": "Lịch làm việc của tỉnh"}
    )
    return calendar


@transaction.atomic
def officer_assign(*, user: User, agency: Agency, role: str, department: str = "") -> AgencyMembership:
    """Give an officer a role in an agency (an officer may hold roles in several agencies)."""
    if role in (Role.CITIZEN, Role.PROVINCE_LEADER, Role.ADMINISTRATOR):
        raise ApplicationError("Vai trò này không gắn với một cơ quan.")
    if user.account_type != AccountType.OFFICER:
        raise ApplicationError("Chỉ tài khoản cán bộ mới được phân công vào cơ quan.")
    membership, _ = AgencyMembership.objects.update_or_create(
        user=user, agency=agency, role=role, defaults={"department": department, "active": True}
    )
    return membership


# 1 July 2025: the two-level local government (Nghị quyết 202/2025/QH15) takes effect.
TWO_LEVEL_START = dt.date(2025, 7, 1)


@transaction.atomic
def units_seed_from_package() -> int:
    """Provinces and communes in force since 1 July 2025, from the `vietnam-provinces` package. Idempotent."""
    from vietnam_provinces import Province, Ward

    from .constants import UnitLevel
    from .models import AdministrativeUnit

    existing = set(AdministrativeUnit.objects.values_list("code", flat=True))
    provinces = [
        AdministrativeUnit(
            code=f"{int(p.code):02d}",
            name=p.name,
            level=UnitLevel.PROVINCE,
            division_type=str(p.division_type.value),
            valid_from=TWO_LEVEL_START,
        )
        for p in Province.iter_all()
        if f"{int(p.code):02d}" not in existing
    ]
    AdministrativeUnit.objects.bulk_create(provinces)
    by_code = dict(AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE).values_list("code", "pk"))
    wards = [
        AdministrativeUnit(
            code=f"{int(w.code):05d}",
            name=w.name,
            level=UnitLevel.COMMUNE,
            division_type=str(w.division_type.value),
            valid_from=TWO_LEVEL_START,
            parent_id=by_code[f"{int(w.province_code):02d}"],
        )
        for w in Ward.iter_all()
        if f"{int(w.code):05d}" not in existing
    ]
    AdministrativeUnit.objects.bulk_create(wards, batch_size=1000)
    return len(provinces) + len(wards)


@transaction.atomic
def unit_record_historical(
    *,
    code: str,
    name: str,
    level: str,
    successor_code: str,
    parent_code: str | None = None,
    division_type: str = "",
) -> None:
    """Keep a unit abolished on 1 July 2025 as history, linked to the unit that took it over."""
    from .models import AdministrativeUnit

    successor = AdministrativeUnit.objects.get(code=successor_code)
    parent = AdministrativeUnit.objects.filter(code=parent_code).first() if parent_code else None
    AdministrativeUnit.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "division_type": division_type,
            "parent": parent,
            "valid_to": TWO_LEVEL_START,
            "successor": successor,
        },
    )


def user_verify_identity(*, user: User, source: str, at: dt.datetime) -> User:
    """Record that the account belongs to the person of its CCCD (the first proof is kept)."""
    if source not in IdentitySource.values:
        raise ApplicationError("Cách xác minh danh tính không hợp lệ.", code="identity_source")
    if user.identity_verified_at is None:
        user.identity_verified_at = at
        user.identity_source = source
        user.save(update_fields=["identity_verified_at", "identity_source"])
    return user
