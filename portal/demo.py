"""Demo province: Khánh Hòa after the 1 July 2025 merger (with former Ninh Thuận).

Idempotent: every row is looked up by its natural key before being created. The accounts and their
password are listed in the README.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from .constants import AccountType, AgencyLevel, IdentitySource, Role, UnitLevel
from .models import AdministrativeUnit, Agency, Organisation, OrganisationMember, User
from .services import (
    calendar_get_or_create_default,
    calendar_seed_holidays,
    officer_assign,
    unit_record_historical,
    units_seed_from_package,
)

DEMO_PASSWORD = "Demo@2026"
DEMO_VERIFIED_AT = dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)
PROVINCE_CODE = "56"

# (code, name, short name, level, parent code, unit code, has one-stop desk, address)
AGENCIES = [
    (
        "000.00.00.H32",
        "Ủy ban nhân dân tỉnh Khánh Hòa",
        "UBND tỉnh",
        AgencyLevel.PROVINCE,
        None,
        PROVINCE_CODE,
        False,
        "01 Trần Phú, phường Nha Trang",
    ),
    (
        "000.00.01.H32",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "VP UBND",
        AgencyLevel.PROVINCE,
        "000.00.00.H32",
        PROVINCE_CODE,
        False,
        "01 Trần Phú, phường Nha Trang",
    ),
    (
        "000.00.15.H32",
        "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
        "TTPVHCC",
        AgencyLevel.PROVINCE,
        "000.00.01.H32",
        PROVINCE_CODE,
        True,
        "04 Phan Chu Trinh, phường Nha Trang",
    ),
    (
        "000.00.20.H32",
        "Sở Xây dựng",
        "SXD",
        AgencyLevel.PROVINCE,
        "000.00.00.H32",
        PROVINCE_CODE,
        False,
        "04 Phan Chu Trinh, phường Nha Trang",
    ),
    (
        "000.00.21.H32",
        "Sở Tư pháp",
        "STP",
        AgencyLevel.PROVINCE,
        "000.00.00.H32",
        PROVINCE_CODE,
        False,
        "08 Lê Thành Phương, phường Nha Trang",
    ),
    (
        "000.00.22.H32",
        "Sở Nông nghiệp và Môi trường",
        "SNNMT",
        AgencyLevel.PROVINCE,
        "000.00.00.H32",
        PROVINCE_CODE,
        False,
        "64 Phan Bội Châu, phường Nha Trang",
    ),
    (
        "000.00.23.H32",
        "Sở Tài chính",
        "STC",
        AgencyLevel.PROVINCE,
        "000.00.00.H32",
        PROVINCE_CODE,
        False,
        "01 Trần Phú, phường Nha Trang",
    ),
    (
        "000.00.24.H32",
        "Sở Y tế",
        "SYT",
        AgencyLevel.PROVINCE,
        "000.00.00.H32",
        PROVINCE_CODE,
        False,
        "04 Phan Chu Trinh, phường Nha Trang",
    ),
    (
        "000.00.30.H32",
        "Công an tỉnh Khánh Hòa",
        "CAT",
        AgencyLevel.SECTORAL,
        None,
        PROVINCE_CODE,
        True,
        "80 Trần Phú, phường Nha Trang",
    ),
    (
        "000.31.01.H32",
        "Ủy ban nhân dân phường Nha Trang",
        "UBND P. Nha Trang",
        AgencyLevel.COMMUNE,
        "000.00.00.H32",
        "22366",
        True,
        "Phường Nha Trang",
    ),
    (
        "000.32.01.H32",
        "Ủy ban nhân dân phường Bắc Nha Trang",
        "UBND P. Bắc Nha Trang",
        AgencyLevel.COMMUNE,
        "000.00.00.H32",
        "22333",
        True,
        "Phường Bắc Nha Trang",
    ),
    (
        "000.33.01.H32",
        "Ủy ban nhân dân phường Phan Rang",
        "UBND P. Phan Rang",
        AgencyLevel.COMMUNE,
        "000.00.00.H32",
        "22759",
        True,
        "Phường Phan Rang",
    ),
    (
        "000.34.01.H32",
        "Ủy ban nhân dân xã Cam Lâm",
        "UBND X. Cam Lâm",
        AgencyLevel.COMMUNE,
        "000.00.00.H32",
        "22453",
        True,
        "Xã Cam Lâm",
    ),
]

OPENING_HOURS = "Sáng 07:00–11:30, chiều 13:30–17:00, thứ Hai đến thứ Sáu"

# (username, full name, [(agency code, role, department)], province role)
OFFICERS = [
    ("quantri", "Lê Quản Trị", [], Role.ADMINISTRATOR),
    ("lanhdaotinh", "Phạm Văn Tỉnh", [], Role.PROVINCE_LEADER),
    (
        "motcua",
        "Nguyễn Thị Một Cửa",
        [("000.00.15.H32", Role.INTAKE_OFFICER, "Bộ phận tiếp nhận và trả kết quả")],
        "",
    ),
    ("motcua.nhatrang", "Trần Văn Tiếp", [("000.31.01.H32", Role.INTAKE_OFFICER, "Bộ phận một cửa")], ""),
    ("chuyenvien.sxd", "Võ Minh Xây", [("000.00.20.H32", Role.SPECIALIST, "Phòng Quản lý xây dựng")], ""),
    ("lanhdaophong.sxd", "Đặng Quốc Duyệt", [("000.00.20.H32", Role.APPROVER, "Phòng Quản lý xây dựng")], ""),
    ("giamdoc.sxd", "Hoàng Văn Giám", [("000.00.20.H32", Role.AGENCY_LEADER, "Ban Giám đốc")], ""),
    ("chuyenvien.stp", "Bùi Thị Tư", [("000.00.21.H32", Role.SPECIALIST, "Phòng Hành chính tư pháp")], ""),
    ("lanhdaophong.stp", "Lý Văn Pháp", [("000.00.21.H32", Role.APPROVER, "Phòng Hành chính tư pháp")], ""),
    ("chuyenvien.snnmt", "Cao Thị Đất", [("000.00.22.H32", Role.SPECIALIST, "Chi cục Quản lý đất đai")], ""),
    ("lanhdaophong.snnmt", "Tạ Văn Môi", [("000.00.22.H32", Role.APPROVER, "Chi cục Quản lý đất đai")], ""),
    (
        "chuyenvien.nhatrang",
        "Mai Thị Hộ",
        [
            ("000.31.01.H32", Role.SPECIALIST, "Phòng Văn hóa - Xã hội"),
            ("000.31.01.H32", Role.APPROVER, "Phòng Văn hóa - Xã hội"),
        ],
        "",
    ),
    ("buudien", "Bưu điện tỉnh Khánh Hòa", [("000.00.15.H32", Role.POSTAL, "Bưu chính công ích")], ""),
]

# (CCCD, full name, date of birth, phone, e-mail, address, ward code)
CITIZENS = [
    (
        "056090001234",
        "Nguyễn Văn An",
        dt.date(1990, 3, 15),
        "0905123456",
        "an.nguyen@example.vn",
        "12 Trần Phú, phường Nha Trang, tỉnh Khánh Hòa",
        "22366",
    ),
    (
        "056185005678",
        "Trần Thị Bình",
        dt.date(1985, 11, 2),
        "0914234567",
        "binh.tran@example.vn",
        "45 Thống Nhất, phường Phan Rang, tỉnh Khánh Hòa",
        "22759",
    ),
]
ORGANISATION = (
    "4201234566",
    "Công ty TNHH Xây dựng Biển Xanh",
    "88 Lê Hồng Phong, phường Nam Nha Trang, Khánh Hòa",
    "0258123456",
    "lienhe@bienxanh.example.vn",
)


def _user(username: str, **fields) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, **fields)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def load(stdout=None) -> None:
    units_seed_from_package()
    # Units abolished on 1 July 2025 stay as history so that old dossiers still resolve.
    unit_record_historical(
        code="58",
        name="Tỉnh Ninh Thuận",
        level=UnitLevel.PROVINCE,
        successor_code=PROVINCE_CODE,
        division_type="tỉnh",
    )
    unit_record_historical(
        code="568",
        name="Thành phố Nha Trang",
        level=UnitLevel.DISTRICT,
        successor_code=PROVINCE_CODE,
        parent_code=PROVINCE_CODE,
        division_type="thành phố",
    )
    unit_record_historical(
        code="22360",
        name="Phường Lộc Thọ",
        level=UnitLevel.COMMUNE,
        successor_code="22366",
        parent_code="568",
        division_type="phường",
    )

    calendar = calendar_get_or_create_default()
    year = timezone.localdate().year
    calendar_seed_holidays(calendar=calendar, years=[year - 1, year, year + 1])

    for code, name, short, level, parent, unit, desk, address in AGENCIES:
        Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "level": level,
                "parent": Agency.objects.filter(code=parent).first() if parent else None,
                "administrative_unit": AdministrativeUnit.objects.get(code=unit),
                "has_one_stop_desk": desk,
                "address": address,
                "opening_hours": OPENING_HOURS,
                "phone": "0258 3822 000",
                "email": f"{short.lower().replace(' ', '').replace('.', '')}@khanhhoa.gov.vn",
            },
        )

    for username, full_name, memberships, province_role in OFFICERS:
        user = _user(
            username,
            full_name=full_name,
            account_type=AccountType.OFFICER,
            email=f"{username}@khanhhoa.gov.vn",
            province_role=province_role,
        )
        if province_role == Role.ADMINISTRATOR and not user.is_superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        for agency_code, role, department in memberships:
            officer_assign(
                user=user, agency=Agency.objects.get(code=agency_code), role=role, department=department
            )

    for cccd, full_name, born, phone, email, address, ward in CITIZENS:
        _user(
            cccd,
            cccd=cccd,
            full_name=full_name,
            date_of_birth=born,
            phone=phone,
            email=email,
            address=address,
            administrative_unit=AdministrativeUnit.objects.get(code=ward),
            account_type=AccountType.CITIZEN,
            # The demo citizens stand for people who signed in with VNeID once.
            identity_verified_at=DEMO_VERIFIED_AT,
            identity_source=IdentitySource.NATIONAL_SSO,
        )

    tax_code, name, address, phone, email = ORGANISATION
    organisation, _ = Organisation.objects.get_or_create(
        tax_code=tax_code, defaults={"name": name, "address": address, "phone": phone, "email": email}
    )
    OrganisationMember.objects.get_or_create(
        organisation=organisation,
        user=User.objects.get(username=CITIZENS[0][0]),
        defaults={"position": "Giám đốc", "is_legal_representative": True},
    )
    if stdout:
        stdout.write(f"Tỉnh mẫu: {Agency.objects.count()} cơ quan, {User.objects.count()} tài khoản.")


# The other apps sit above portal and register their own demo loaders in `AppConfig.ready()`; they run after the
# province itself, in this order (the dossiers' demo uses the catalogue, the Kho's demo the dossiers' results).
APP_DEMO_ORDER = ("procedures", "dossiers", "payments", "repository", "reporting")
_app_demos: dict[str, Callable[..., None]] = {}


def register_app_demo(app_label: str, load: Callable[..., None]) -> None:
    _app_demos[app_label] = load


def app_demo_loaders() -> list[Callable[..., None]]:
    return [_app_demos[label] for label in APP_DEMO_ORDER if label in _app_demos]
