"""The catalogue in the national procedure database's field names (CSDL quốc gia về TTHC).

One record describes one procedure as published by one decision. JSON import/export, the Excel workbook and the
national sync all go through `VersionData`, a neutral description of a version:

    record (national names) ──data_from_record──► VersionData ──write_version_data──► ProcedureVersion
    ProcedureVersion ──data_from_version──► VersionData ──record_from_data──► record

Record fields (national names; the last group are the province's own additions, which the national database does
not carry and the sync therefore never touches):

    MaTTHC, TenTTHC, LinhVucThucHien [{MaLinhVuc, TenLinhVuc}], CapThucHien [“Cấp Tỉnh”, “Cấp Xã”, …],
    DoiTuongThucHien, MucDoDVC (“Toàn trình” | “Một phần” | “Trực tiếp”; old levels “4”/“3”/“2” accepted),
    TrinhTuThucHien, CachThuc, YeuCau,
    CachThucThucHien [{Kenh 1|2|3, ThoiGian [{ThoiGianGiaiQuyet, DonViTinh, MoTa}],
                       PhiLePhi [{TenPhiLePhi, SoTien, MoTa, XacDinhSauThamDinh}]}],
    ThanhPhanHoSo [{TruongHop, GiayTo [{MaGiayTo, TenGiayTo, SoBanChinh, SoBanSao, TenMauDon, TenTepMauDon,
                                        HinhThuc, BatBuoc, LayTuKhoDuLieu, LayTuCSDLQG}]}],
    CoQuanThucHien [{MaDonVi, TenDonVi}], CoQuanPhoiHop [{MaDonVi, TenDonVi}],
    KetQuaThucHien [{TenKetQua}], ThoiHanHieuLucKetQua (months), CanCuPhapLy [{SoVanBan, TenVanBan}],
    QuyetDinhCongBo {SoQuyetDinh, NgayQuyetDinh, NgayHieuLuc, NgayHetHieuLuc}  (dates dd/mm/yyyy)
    — province: LienThong, ThanhToanTrucTuyen, TiepNhanKhongPhuThuocDiaGioi, QuyTrinhNoiBo [{Buoc, TenBuoc,
      VaiTro, MaDonVi, PhongBan, TyLeThoiGian}], BieuMauDienTu (JSON Schema of the applicant form)

A key absent from a record keeps the value of the version it is applied to, so a national record (without the
province's additions) never wipes the internal process or the form definition.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage

from portal.constants import Role
from portal.models import Agency

from .constants import Channel, CopyType, ImplementationLevel, ServiceLevel, TargetGroup, TimeUnit
from .models import Component, Fee, ProcedureVersion, ProcessingTime, ProcessStep
from .text import fold

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
)


class RecordError(ValueError):
    """A record that cannot be imported; the message says which field and why, in Vietnamese."""


@dataclass(frozen=True)
class FeeData:
    name: str
    amount: Decimal
    description: str = ""
    due_after_appraisal: bool = False


@dataclass(frozen=True)
class ChannelData:
    time_amount: Decimal
    time_unit: str = TimeUnit.WORKING_DAYS
    time_description: str = ""
    fees: tuple[FeeData, ...] = ()


@dataclass(frozen=True)
class ComponentData:
    name: str
    code: str = ""
    copy_type: str = CopyType.ORIGINAL
    quantity: int = 1
    mandatory: bool = True
    template_name: str = ""
    template_file: str = ""  # storage name; the record carries only its base name
    reusable_from_repository: bool = False
    from_national_database: bool = False


@dataclass(frozen=True)
class StepData:
    order: int
    name: str
    role: str
    share_percent: Decimal
    agency_code: str = ""
    department: str = ""


@dataclass
class VersionData:
    code: str
    name: str
    field_code: str = ""
    field_name: str = ""
    levels: list[str] = field(default_factory=list)
    target_group: str = TargetGroup.BOTH
    service_level: str = ServiceLevel.PARTIAL_ONLINE
    sequence: str = ""
    submission_method: str = ""
    requirements: str = ""
    legal_basis: list[str] = field(default_factory=list)
    result_type: str = ""
    result_validity_months: int | None = None
    decision_number: str = ""
    decision_date: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    channels: dict[int, ChannelData] = field(default_factory=dict)
    components: list[ComponentData] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    coordinating_agencies: list[str] = field(default_factory=list)
    is_inter_agency: bool = False
    allows_online_payment: bool = False
    intake_any_boundary: bool = False
    steps: list[StepData] = field(default_factory=list)
    form_schema: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- model → data


def data_from_version(version: ProcedureVersion) -> VersionData:
    procedure = version.procedure
    channels: dict[int, ChannelData] = {}
    offered = [Channel.COUNTER, *([Channel.ONLINE] if version.allows_online else [])]
    offered += [Channel.POSTAL] if version.allows_postal else []
    for channel in offered:
        time = version.time_limit(channel)
        if time is None:
            continue
        fees = tuple(
            FeeData(f.name, Decimal(f.amount), f.description, f.due_after_appraisal)
            for f in sorted(version.fees_for(channel), key=lambda f: (f.name, f.pk))
        )
        channels[int(channel)] = ChannelData(Decimal(time.amount), time.unit, time.description, fees)
    return VersionData(
        code=procedure.code,
        name=version.name,
        field_code=procedure.field.code,
        field_name=procedure.field.name,
        levels=list(version.implementation_levels or []),
        target_group=version.target_group,
        service_level=version.service_level,
        sequence=version.sequence,
        submission_method=version.submission_method,
        requirements=version.requirements,
        legal_basis=[line.strip() for line in version.legal_basis.splitlines() if line.strip()],
        result_type=version.result_type,
        result_validity_months=version.result_validity_months,
        decision_number=version.decision_number,
        decision_date=version.decision_date,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
        channels=channels,
        components=[
            ComponentData(
                name=c.name,
                code=c.code,
                copy_type=c.copy_type,
                quantity=c.quantity,
                mandatory=c.mandatory,
                template_name=c.template_name,
                template_file=c.template.name if c.template else "",
                reusable_from_repository=c.reusable_from_repository,
                from_national_database=c.from_national_database,
            )
            for c in sorted(version.components.all(), key=lambda c: (c.order, c.pk))
        ],
        agencies=sorted(a.code for a in version.competent_agencies.all()),
        coordinating_agencies=sorted(a.code for a in version.coordinating_agencies.all()),
        is_inter_agency=version.is_inter_agency,
        allows_online_payment=version.allows_online_payment,
        intake_any_boundary=version.intake_any_boundary,
        steps=[
            StepData(
                order=s.order,
                name=s.name,
                role=s.role,
                share_percent=Decimal(s.share_percent),
                agency_code=s.agency.code if s.agency_id else "",
                department=s.department,
            )
            for s in sorted(version.steps.all(), key=lambda s: s.order)
        ],
        form_schema=version.form_schema or {},
    )


# --------------------------------------------------------------------------------------------- data → record


def _date_out(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _number_out(value: Decimal) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def record_from_data(data: VersionData, *, agency_names: dict[str, str] | None = None) -> dict[str, Any]:
    names = (
        agency_names
        if agency_names is not None
        else _agency_names(data.agencies + data.coordinating_agencies)
    )
    return {
        "MaTTHC": data.code,
        "TenTTHC": data.name,
        "LinhVucThucHien": [{"MaLinhVuc": data.field_code, "TenLinhVuc": data.field_name}],
        "CapThucHien": [LEVEL_NAMES[ImplementationLevel(level)] for level in data.levels],
        "DoiTuongThucHien": TARGET_NAMES[TargetGroup(data.target_group)],
        "MucDoDVC": SERVICE_LEVEL_NAMES[ServiceLevel(data.service_level)],
        "TrinhTuThucHien": data.sequence,
        "CachThuc": data.submission_method,
        "YeuCau": data.requirements,
        "CachThucThucHien": [
            {
                "Kenh": channel,
                "ThoiGian": [
                    {
                        "ThoiGianGiaiQuyet": _number_out(c.time_amount),
                        "DonViTinh": UNIT_NAMES[TimeUnit(c.time_unit)],
                        "MoTa": c.time_description,
                    }
                ],
                "PhiLePhi": [
                    {
                        "TenPhiLePhi": f.name,
                        "SoTien": _number_out(f.amount),
                        "MoTa": f.description,
                        "XacDinhSauThamDinh": f.due_after_appraisal,
                    }
                    for f in c.fees
                ],
            }
            for channel, c in sorted(data.channels.items())
        ],
        "ThanhPhanHoSo": [
            {
                "TruongHop": "",
                "GiayTo": [
                    {
                        "MaGiayTo": c.code,
                        "TenGiayTo": c.name,
                        "SoBanChinh": c.quantity
                        if c.copy_type in (CopyType.ORIGINAL, CopyType.ORIGINAL_OR_COPY)
                        else 0,
                        "SoBanSao": c.quantity if c.copy_type != CopyType.ORIGINAL else 0,
                        "HinhThuc": COPY_NAMES[c.copy_type],
                        "BatBuoc": c.mandatory,
                        "TenMauDon": c.template_name,
                        "TenTepMauDon": os.path.basename(c.template_file),
                        "LayTuKhoDuLieu": c.reusable_from_repository,
                        "LayTuCSDLQG": c.from_national_database,
                    }
                    for c in data.components
                ],
            }
        ]
        if data.components
        else [],
        "CoQuanThucHien": [{"MaDonVi": code, "TenDonVi": names.get(code, "")} for code in data.agencies],
        "CoQuanPhoiHop": [
            {"MaDonVi": code, "TenDonVi": names.get(code, "")} for code in data.coordinating_agencies
        ],
        "KetQuaThucHien": [{"TenKetQua": data.result_type}] if data.result_type else [],
        "ThoiHanHieuLucKetQua": data.result_validity_months,
        "CanCuPhapLy": [{"SoVanBan": "", "TenVanBan": line} for line in data.legal_basis],
        "QuyetDinhCongBo": {
            "SoQuyetDinh": data.decision_number,
            "NgayQuyetDinh": _date_out(data.decision_date),
            "NgayHieuLuc": _date_out(data.valid_from),
            "NgayHetHieuLuc": _date_out(data.valid_to),
        },
        "LienThong": data.is_inter_agency,
        "ThanhToanTrucTuyen": data.allows_online_payment,
        "TiepNhanKhongPhuThuocDiaGioi": data.intake_any_boundary,
        "QuyTrinhNoiBo": [
            {
                "Buoc": s.order,
                "TenBuoc": s.name,
                "VaiTro": s.role,
                "MaDonVi": s.agency_code,
                "PhongBan": s.department,
                "TyLeThoiGian": _number_out(s.share_percent),
            }
            for s in data.steps
        ],
        "BieuMauDienTu": data.form_schema,
    }


def _agency_names(codes: list[str]) -> dict[str, str]:
    return dict(Agency.objects.filter(code__in=set(codes)).values_list("code", "name"))


def record_from_version(version: ProcedureVersion) -> dict[str, Any]:
    return record_from_data(data_from_version(version))


# --------------------------------------------------------------------------------------------- record → data


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _long_text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return fold(value) in ("true", "1", "co", "x", "yes")
    return bool(value)


def _date_in(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RecordError(f"{label} “{text}” không phải ngày hợp lệ (dạng ngày/tháng/năm).")


def _decimal(value: Any, label: str) -> Decimal:
    """Numbers from JSON, Excel or people: 1250000, "1.250.000", "1.250.000 ₫", "0,5"."""
    text = str(value).replace("₫", "").replace("đ", "").replace(" ", "").strip()
    if isinstance(value, str):
        if text.count(".") >= 1 and "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif "," in text:
            text = text.replace(",", ".")
        elif text.count(".") > 1 or (text.count(".") == 1 and len(text.split(".")[1]) == 3):
            text = text.replace(".", "")
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        raise RecordError(f"{label} “{value}” không phải là số.") from None


def _level_in(name: Any) -> str:
    folded = fold(str(name))
    if "tinh" in folded:
        return ImplementationLevel.PROVINCE
    # Districts were abolished on 1 July 2025; their procedures are carried out by communes.
    if "xa" in folded or "huyen" in folded or "phuong" in folded:
        return ImplementationLevel.COMMUNE
    return ImplementationLevel.SECTORAL


def _service_level_in(value: Any) -> str:
    folded = fold(str(value))
    if folded in ("4", "muc do 4") or "toan trinh" in folded:
        return ServiceLevel.FULL_ONLINE
    if folded in ("3", "muc do 3") or "mot phan" in folded:
        return ServiceLevel.PARTIAL_ONLINE
    if folded in ("1", "2", "muc do 2") or "truc tiep" in folded:
        return ServiceLevel.COUNTER_ONLY
    raise RecordError(f"MucDoDVC “{value}” không hợp lệ (Toàn trình, Một phần hoặc Trực tiếp).")


def _target_in(value: Any) -> str:
    folded = fold(str(value))
    person = any(w in folded for w in ("cong dan", "ca nhan", "nguoi"))
    organisation = any(w in folded for w in ("to chuc", "doanh nghiep", "hop tac xa"))
    if person and not organisation:
        return TargetGroup.CITIZEN
    if organisation and not person:
        return TargetGroup.ORGANISATION
    return TargetGroup.BOTH


def _copy_type_in(item: dict, old: ComponentData | None) -> str:
    named = fold(item.get("HinhThuc") or "")
    for value, label in COPY_NAMES.items():
        if named and named == fold(label):
            return value
    originals, copies = int(item.get("SoBanChinh") or 0), int(item.get("SoBanSao") or 0)
    if originals and copies:
        derived = CopyType.ORIGINAL_OR_COPY
    else:
        derived = CopyType.COPY if copies else CopyType.ORIGINAL
    # The national record only counts originals and copies; keep the finer kind (certified copy) we know.
    if (
        old is not None
        and (old.copy_type == CopyType.CERTIFIED_COPY) == (derived == CopyType.COPY)
        and derived
        in (
            CopyType.COPY,
            old.copy_type,
        )
    ):
        return old.copy_type
    return derived


def _channels_in(items: list, code: str, base: dict[int, ChannelData]) -> dict[int, ChannelData]:
    channels: dict[int, ChannelData] = {}
    for item in items or []:
        try:
            channel = int(item.get("Kenh"))
            Channel(channel)
        except (TypeError, ValueError):
            raise RecordError(f"{code}: Kenh “{item.get('Kenh')}” không hợp lệ (1, 2 hoặc 3).") from None
        times = item.get("ThoiGian") or []
        if not times:
            raise RecordError(f"{code}: kênh {channel} chưa có thời gian giải quyết.")
        time = times[0]
        amount = _decimal(time.get("ThoiGianGiaiQuyet"), f"{code}: ThoiGianGiaiQuyet")
        if amount <= 0:
            raise RecordError(f"{code}: thời gian giải quyết (kênh {channel}) phải lớn hơn 0.")
        unit = TimeUnit.WORKING_HOURS if "gio" in fold(time.get("DonViTinh") or "") else TimeUnit.WORKING_DAYS
        fees = []
        for fee in item.get("PhiLePhi") or []:
            name = _text(fee.get("TenPhiLePhi") or fee.get("MaPhiLePhi"))
            if not name:
                raise RecordError(f"{code}: có khoản phí, lệ phí chưa có tên (TenPhiLePhi).")
            value = _decimal(fee.get("SoTien") or 0, f"{code}: SoTien")
            if value < 0:
                raise RecordError(f"{code}: mức thu “{name}” không được âm.")
            if "XacDinhSauThamDinh" in fee:
                after = _bool(fee["XacDinhSauThamDinh"])
            else:  # not a national field: keep what the province recorded for this fee
                known = [f for f in (base.get(channel).fees if base.get(channel) else ()) if f.name == name]
                after = known[0].due_after_appraisal if known else False
            fees.append(FeeData(name, value, _text(fee.get("MoTa")), after))
        channels[channel] = ChannelData(
            amount, unit, _text(time.get("MoTa")), tuple(sorted(fees, key=lambda f: f.name))
        )
    return channels


def _components_in(groups: list, code: str, base: list[ComponentData]) -> list[ComponentData]:
    previous = {c.code or c.name: c for c in base}
    components = []
    for group in groups or []:
        for item in group.get("GiayTo") or []:
            name = _text(item.get("TenGiayTo"))
            if not name:
                raise RecordError(
                    f"{code}: thành phần hồ sơ thứ {len(components) + 1} chưa có tên (TenGiayTo)."
                )
            component_code = _text(item.get("MaGiayTo"))
            known = previous.get(component_code or name)
            old = known or ComponentData(name=name)
            quantity = max(int(item.get("SoBanChinh") or 0), int(item.get("SoBanSao") or 0), 1)
            template_name = _text(item["TenMauDon"]) if "TenMauDon" in item else old.template_name
            template_file = old.template_file
            wanted = os.path.basename(_text(item.get("TenTepMauDon")))
            if "TenTepMauDon" in item and os.path.basename(old.template_file) != wanted:
                # A file already stored under that name (shipped with the catalogue) is linked; none otherwise.
                stored = f"{TEMPLATE_DIR}/{wanted}"
                template_file = stored if wanted and default_storage.exists(stored) else ""
            components.append(
                replace(
                    old,
                    name=name,
                    code=component_code,
                    copy_type=_copy_type_in(item, known),
                    quantity=quantity,
                    mandatory=_bool(item["BatBuoc"]) if "BatBuoc" in item else old.mandatory,
                    template_name=template_name,
                    template_file=template_file,
                    reusable_from_repository=_bool(item["LayTuKhoDuLieu"])
                    if "LayTuKhoDuLieu" in item
                    else old.reusable_from_repository,
                    from_national_database=_bool(item["LayTuCSDLQG"])
                    if "LayTuCSDLQG" in item
                    else old.from_national_database,
                )
            )
    return components


def _steps_in(items: list, code: str) -> list[StepData]:
    steps = []
    for position, item in enumerate(items or [], start=1):
        role = _text(item.get("VaiTro"))
        if role not in STEP_ROLES:
            raise RecordError(
                f"{code}: bước {position} của quy trình nội bộ có vai trò “{role}” không hợp lệ."
            )
        share = _decimal(item.get("TyLeThoiGian") or 0, f"{code}: TyLeThoiGian")
        if share < 0:
            raise RecordError(f"{code}: tỷ lệ thời gian của bước {position} không được âm.")
        steps.append(
            StepData(
                order=int(item.get("Buoc") or position),
                name=_text(item.get("TenBuoc")) or f"Bước {position}",
                role=role,
                share_percent=share,
                agency_code=_text(item.get("MaDonVi")),
                department=_text(item.get("PhongBan")),
            )
        )
    return steps


def data_from_record(record: dict, base: VersionData | None = None) -> VersionData:
    """Parse a record; keys it does not carry keep the value from `base`. Raises RecordError."""
    if not isinstance(record, dict):
        raise RecordError("Mỗi thủ tục phải là một đối tượng JSON.")
    code = _text(record.get("MaTTHC"))
    if not code:
        raise RecordError("Thiếu mã thủ tục (MaTTHC).")
    name = _text(record.get("TenTTHC")) or (base.name if base else "")
    if not name:
        raise RecordError(f"{code}: thiếu tên thủ tục (TenTTHC).")
    data = replace(base, code=code, name=name) if base else VersionData(code=code, name=name)
    if "LinhVucThucHien" in record:
        fields = record.get("LinhVucThucHien") or []
        if not fields or not _text(fields[0].get("MaLinhVuc")):
            raise RecordError(f"{code}: thiếu lĩnh vực (LinhVucThucHien.MaLinhVuc).")
        data.field_code, data.field_name = _text(fields[0]["MaLinhVuc"]), _text(fields[0].get("TenLinhVuc"))
    elif not data.field_code:
        raise RecordError(f"{code}: thiếu lĩnh vực (LinhVucThucHien).")
    if "CapThucHien" in record:
        levels = record["CapThucHien"] or []
        levels = [levels] if isinstance(levels, str) else levels
        data.levels = list(dict.fromkeys(_level_in(level) for level in levels))
    if "DoiTuongThucHien" in record:
        data.target_group = _target_in(record["DoiTuongThucHien"])
    if "MucDoDVC" in record:
        data.service_level = _service_level_in(record["MucDoDVC"])
    for key, attribute in (
        ("TrinhTuThucHien", "sequence"),
        ("CachThuc", "submission_method"),
        ("YeuCau", "requirements"),
    ):
        if key in record:
            setattr(data, attribute, _long_text(record[key]))
    if "CachThucThucHien" in record:
        data.channels = _channels_in(record["CachThucThucHien"], code, base.channels if base else {})
    if not data.channels:
        raise RecordError(f"{code}: thiếu cách thức thực hiện và thời hạn giải quyết (CachThucThucHien).")
    if "ThanhPhanHoSo" in record:
        data.components = _components_in(record["ThanhPhanHoSo"], code, base.components if base else [])
    if "CoQuanThucHien" in record:
        data.agencies = sorted(
            {_text(a.get("MaDonVi")) for a in record["CoQuanThucHien"] or [] if a.get("MaDonVi")}
        )
    if "CoQuanPhoiHop" in record:
        data.coordinating_agencies = sorted(
            {_text(a.get("MaDonVi")) for a in record["CoQuanPhoiHop"] or [] if a.get("MaDonVi")}
        )
    if "KetQuaThucHien" in record:
        data.result_type = "; ".join(
            _text(r.get("TenKetQua")) for r in record["KetQuaThucHien"] or [] if r.get("TenKetQua")
        )
    if "ThoiHanHieuLucKetQua" in record:
        months = record["ThoiHanHieuLucKetQua"]
        data.result_validity_months = int(months) if months not in (None, "") else None
    if "CanCuPhapLy" in record:
        lines = []
        for text in record["CanCuPhapLy"] or []:
            number, title = _text(text.get("SoVanBan")), _text(text.get("TenVanBan"))
            lines.append(title if not number or number in title else f"{number} {title}".strip())
        data.legal_basis = [line for line in lines if line]
    if "QuyetDinhCongBo" in record:
        decision = record["QuyetDinhCongBo"] or {}
        same_decision = base is not None and _text(decision.get("SoQuyetDinh")) == base.decision_number
        data.decision_number = _text(decision.get("SoQuyetDinh"))
        # A blank date means "not stated": the dates we set when publishing that decision stand.
        data.decision_date = _date_in(decision.get("NgayQuyetDinh"), f"{code}: NgayQuyetDinh") or (
            base.decision_date if same_decision else None
        )
        data.valid_from = _date_in(decision.get("NgayHieuLuc"), f"{code}: NgayHieuLuc") or (
            base.valid_from if base else None
        )
        data.valid_to = _date_in(decision.get("NgayHetHieuLuc"), f"{code}: NgayHetHieuLuc")
    for key, attribute in (
        ("LienThong", "is_inter_agency"),
        ("ThanhToanTrucTuyen", "allows_online_payment"),
        ("TiepNhanKhongPhuThuocDiaGioi", "intake_any_boundary"),
    ):
        if key in record:
            setattr(data, attribute, _bool(record[key]))
    if "QuyTrinhNoiBo" in record:
        data.steps = _steps_in(record["QuyTrinhNoiBo"], code)
    if "BieuMauDienTu" in record:
        schema = record["BieuMauDienTu"] or {}
        if not isinstance(schema, dict):
            raise RecordError(f"{code}: BieuMauDienTu phải là một đối tượng JSON Schema.")
        data.form_schema = schema
    return data


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


# ------------------------------------------------------------------------------------------- data → version


def _collapse_times(version: ProcedureVersion, channels: dict[int, ChannelData]) -> list[ProcessingTime]:
    """One general row for the most common time, channel rows only where a channel differs."""
    keyed = {ch: (c.time_amount, c.time_unit, c.time_description) for ch, c in channels.items()}
    values = list(keyed.values())
    common = max(values, key=values.count)
    rows = [
        ProcessingTime(version=version, channel=None, amount=common[0], unit=common[1], description=common[2])
    ]
    rows += [
        ProcessingTime(version=version, channel=ch, amount=v[0], unit=v[1], description=v[2])
        for ch, v in sorted(keyed.items())
        if v != common
    ]
    return rows


def _collapse_fees(version: ProcedureVersion, channels: dict[int, ChannelData]) -> list[Fee]:
    """A fee charged on every channel becomes a general row (its most common amount) with channel rows for the
    channels that differ; a fee charged on some channels only stays on those channels."""
    rows: list[Fee] = []
    names = sorted({f.name for c in channels.values() for f in c.fees})
    for name in names:
        per_channel = {ch: [f for f in c.fees if f.name == name] for ch, c in channels.items()}
        single = all(len(v) == 1 for v in per_channel.values())
        if single:
            variants = [v[0] for v in per_channel.values()]
            common = max(variants, key=variants.count)
            rows.append(Fee(version=version, channel=None, **_fee_fields(common)))
            rows += [
                Fee(version=version, channel=ch, **_fee_fields(v[0]))
                for ch, v in sorted(per_channel.items())
                if v[0] != common
            ]
        else:
            rows += [
                Fee(version=version, channel=ch, **_fee_fields(fee))
                for ch, fees in sorted(per_channel.items())
                for fee in fees
            ]
    return rows


def _fee_fields(fee: FeeData) -> dict:
    return {
        "name": fee.name,
        "amount": fee.amount,
        "description": fee.description,
        "due_after_appraisal": fee.due_after_appraisal,
    }


def missing_agencies(data: VersionData) -> list[str]:
    codes = (
        set(data.agencies)
        | set(data.coordinating_agencies)
        | {s.agency_code for s in data.steps if s.agency_code}
    )
    known = set(Agency.objects.filter(code__in=codes).values_list("code", flat=True))
    return sorted(codes - known)


def write_version_data(version: ProcedureVersion, data: VersionData) -> None:
    """Overwrite a draft version with `data` (its children are replaced). Only drafts are ever written."""
    version.name = data.name
    version.implementation_levels = list(data.levels)
    version.target_group = data.target_group
    version.service_level = data.service_level
    version.allows_online = Channel.ONLINE in data.channels
    version.allows_postal = Channel.POSTAL in data.channels
    version.allows_online_payment = data.allows_online_payment
    version.intake_any_boundary = data.intake_any_boundary
    version.is_inter_agency = data.is_inter_agency
    version.sequence = data.sequence
    version.submission_method = data.submission_method
    version.requirements = data.requirements
    version.legal_basis = "\n".join(data.legal_basis)
    version.result_type = data.result_type
    version.result_validity_months = data.result_validity_months
    version.decision_number = data.decision_number
    version.decision_date = data.decision_date
    version.valid_to = data.valid_to
    version.form_schema = data.form_schema
    version.save()
    version.processing_times.all().delete()
    version.fees.all().delete()
    version.components.all().delete()
    version.steps.all().delete()
    ProcessingTime.objects.bulk_create(_collapse_times(version, data.channels))
    Fee.objects.bulk_create(_collapse_fees(version, data.channels))
    Component.objects.bulk_create(
        Component(
            version=version,
            order=position,
            code=c.code,
            name=c.name,
            copy_type=c.copy_type,
            quantity=c.quantity,
            mandatory=c.mandatory,
            template=c.template_file,
            template_name=c.template_name,
            reusable_from_repository=c.reusable_from_repository,
            from_national_database=c.from_national_database,
        )
        for position, c in enumerate(data.components, start=1)
    )
    agencies = {a.code: a for a in Agency.objects.filter(code__in={s.agency_code for s in data.steps})}
    ProcessStep.objects.bulk_create(
        ProcessStep(
            version=version,
            order=s.order,
            name=s.name,
            role=s.role,
            agency=agencies.get(s.agency_code),
            department=s.department,
            share_percent=s.share_percent,
        )
        for s in data.steps
    )
    version.competent_agencies.set(Agency.objects.filter(code__in=data.agencies))
    version.coordinating_agencies.set(Agency.objects.filter(code__in=data.coordinating_agencies))
