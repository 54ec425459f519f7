"""The national database's vocabulary: how our choices are named in a record, and which keys are the province's
own additions (the national database does not carry them, so the sync compares and never touches them)."""

from __future__ import annotations

import copy

from portal.constants import Role

from ..constants import CopyType, ImplementationLevel, ServiceLevel, TargetGroup, TimeUnit

LEVEL_NAMES = {
    ImplementationLevel.PROVINCE: "Cấp Tỉnh",
    ImplementationLevel.COMMUNE: "Cấp Xã",
    ImplementationLevel.SECTORAL: "Cơ quan khác",
}
SERVICE_LEVEL_NAMES = {
    ServiceLevel.FULL_ONLINE: "Toàn trình",
    ServiceLevel.PARTIAL_ONLINE: "Một phần",
    ServiceLevel.COUNTER_ONLY: "Trực tiếp",
}
TARGET_NAMES = {
    TargetGroup.CITIZEN: "Công dân Việt Nam",
    TargetGroup.ORGANISATION: "Tổ chức, Doanh nghiệp",
    TargetGroup.BOTH: "Công dân Việt Nam, Tổ chức, Doanh nghiệp",
}
UNIT_NAMES = {TimeUnit.WORKING_DAYS: "Ngày làm việc", TimeUnit.WORKING_HOURS: "Giờ làm việc"}
COPY_NAMES = {c.value: str(c.label) for c in CopyType}
STEP_ROLES = {Role.INTAKE_OFFICER.value, Role.SPECIALIST.value, Role.APPROVER.value, Role.AGENCY_LEADER.value}
TEMPLATE_DIR = "procedure-templates"
PROVINCE_KEYS = (
    "LienThong",
    "ThanhToanTrucTuyen",
    "TiepNhanKhongPhuThuocDiaGioi",
    "QuyTrinhNoiBo",
    "BieuMauDienTu",
    "MienGiamPhiLePhi",
)
COMPONENT_PROVINCE_KEYS = ("HinhThuc", "BatBuoc", "TenTepMauDon", "LayTuKhoDuLieu", "LayTuCSDLQG")


def national_projection(record: dict) -> dict:
    """The part of a record the national database holds (without the province's additions)."""
    out = {k: copy.deepcopy(v) for k, v in record.items() if k not in PROVINCE_KEYS}
    for group in out.get("ThanhPhanHoSo") or []:
        for item in group.get("GiayTo") or []:
            for key in COMPONENT_PROVINCE_KEYS:
                item.pop(key, None)
    for channel in out.get("CachThucThucHien") or []:
        for fee in channel.get("PhiLePhi") or []:
            fee.pop("XacDinhSauThamDinh", None)
    return out


def differing_keys(old: dict, new: dict) -> list[str]:
    """Top-level record keys whose values differ (for the change report)."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
