"""Records in the national field names ⇄ VersionData: the format of JSON import/export, the Excel workbook and
the national sync. Parsing validates every field and raises RecordError with a message in Vietnamese."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage

from portal.models import Agency

from ..constants import Channel, CopyType, ImplementationLevel, ServiceLevel, TargetGroup, TimeUnit
from ..models import ProcedureVersion
from ..text import fold
from .data import ChannelData, ComponentData, ExemptionData, FeeData, RecordError, StepData, VersionData
from .fields import (
    COPY_NAMES,
    LEVEL_NAMES,
    SERVICE_LEVEL_NAMES,
    STEP_ROLES,
    TARGET_NAMES,
    TEMPLATE_DIR,
    UNIT_NAMES,
)
from .versions import data_from_version

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
        "MienGiamPhiLePhi": [
            {
                "DoiTuong": e.group,
                "TenPhiLePhi": e.fee_name,
                "TyLe": e.percent,
                "CanCuPhapLy": e.legal_basis,
                "GiayToChungMinh": e.proof,
            }
            for e in data.exemptions
        ],
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


def _exemptions_in(items: Any, code: str, channels: dict[int, ChannelData]) -> list[ExemptionData]:
    """MienGiamPhiLePhi (the province's addition): the listed target groups exempted from, or given a
    reduction of, one fee named as in the fee list (TenPhiLePhi) or all fees (blank)."""
    if not isinstance(items, list):
        raise RecordError(f"{code}: MienGiamPhiLePhi phải là một danh sách.")
    # Matched as FeeExemption.applies_to does: case and surrounding spaces aside.
    fee_names = {f.name.strip().casefold() for c in channels.values() for f in c.fees}
    exemptions = []
    seen: set[tuple[str, str]] = set()
    for position, item in enumerate(items, start=1):
        where = f"{code}: MienGiamPhiLePhi thứ {position}"
        if not isinstance(item, dict):
            raise RecordError(f"{where} phải là một đối tượng.")
        group, basis = _text(item.get("DoiTuong")), _text(item.get("CanCuPhapLy"))
        if not group:
            raise RecordError(f"{where}: thiếu đối tượng được miễn, giảm (DoiTuong).")
        if not basis:
            raise RecordError(f"{where}: thiếu căn cứ pháp lý (CanCuPhapLy).")
        raw = item.get("TyLe")
        try:
            value = Decimal(100) if raw in (None, "") else Decimal(str(raw).strip())
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value != value.to_integral_value() or not 1 <= value <= 100:
            raise RecordError(f"{where}: tỷ lệ miễn, giảm (TyLe) phải là số nguyên từ 1 đến 100.")
        percent = int(value)
        fee_name = _text(item.get("TenPhiLePhi"))
        if fee_name and fee_name.casefold() not in fee_names:
            raise RecordError(f"{where}: khoản “{fee_name}” không có trong bảng phí, lệ phí (PhiLePhi).")
        key = (group.casefold(), fee_name.casefold())
        if key in seen:
            raise RecordError(f"{where}: đối tượng “{group}” đã có cho khoản này.")
        seen.add(key)
        exemptions.append(
            ExemptionData(
                group=group[:300],
                legal_basis=basis[:500],
                percent=percent,
                fee_name=fee_name[:300],
                proof=_text(item.get("GiayToChungMinh"))[:500],
            )
        )
    return exemptions


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
    if "MienGiamPhiLePhi" in record:
        data.exemptions = _exemptions_in(record["MienGiamPhiLePhi"] or [], code, data.channels)
    if "BieuMauDienTu" in record:
        schema = record["BieuMauDienTu"] or {}
        if not isinstance(schema, dict):
            raise RecordError(f"{code}: BieuMauDienTu phải là một đối tượng JSON Schema.")
        data.form_schema = schema
    return data
