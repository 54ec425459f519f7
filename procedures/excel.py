"""The catalogue as an Excel workbook, with the national field names as column headers.

One sheet per list in the record (procedures, channels, fees, components, internal process, fee
exemptions); rows of the child
sheets point at their procedure by MaTTHC. `records_from_workbook(workbook_from_records(r)) == r` for records
produced by the export (procedures.national.record_from_data).
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.errors import ApplicationError
from portal.spreadsheets import excel_row
from portal.uploads import check_zip_inflation

from .national import RecordError

MAIN = "ThuTuc"
MAIN_COLUMNS = [
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "CapThucHien",
    "DoiTuongThucHien",
    "MucDoDVC",
    "TrinhTuThucHien",
    "CachThuc",
    "YeuCau",
    "KetQuaThucHien",
    "ThoiHanHieuLucKetQua",
    "CanCuPhapLy",
    "SoQuyetDinh",
    "NgayQuyetDinh",
    "NgayHieuLuc",
    "NgayHetHieuLuc",
    "CoQuanThucHien",
    "CoQuanPhoiHop",
    "LienThong",
    "ThanhToanTrucTuyen",
    "TiepNhanKhongPhuThuocDiaGioi",
    "BieuMauDienTu",
]
CHILD_SHEETS = {
    "CachThucThucHien": ["MaTTHC", "Kenh", "ThoiGianGiaiQuyet", "DonViTinh", "MoTa"],
    "PhiLePhi": ["MaTTHC", "Kenh", "TenPhiLePhi", "SoTien", "MoTa", "XacDinhSauThamDinh"],
    "ThanhPhanHoSo": [
        "MaTTHC",
        "TruongHop",
        "MaGiayTo",
        "TenGiayTo",
        "SoBanChinh",
        "SoBanSao",
        "HinhThuc",
        "BatBuoc",
        "TenMauDon",
        "TenTepMauDon",
        "LayTuKhoDuLieu",
        "LayTuCSDLQG",
    ],
    "QuyTrinhNoiBo": ["MaTTHC", "Buoc", "TenBuoc", "VaiTro", "MaDonVi", "PhongBan", "TyLeThoiGian"],
    "MienGiamPhiLePhi": ["MaTTHC", "DoiTuong", "TenPhiLePhi", "TyLe", "CanCuPhapLy", "GiayToChungMinh"],
}
SEPARATOR = "; "


def _main_row(record: dict) -> list[Any]:
    field = (record.get("LinhVucThucHien") or [{}])[0]
    decision = record.get("QuyetDinhCongBo") or {}
    return [
        record.get("MaTTHC"),
        record.get("TenTTHC"),
        field.get("MaLinhVuc"),
        field.get("TenLinhVuc"),
        SEPARATOR.join(record.get("CapThucHien") or []),
        record.get("DoiTuongThucHien"),
        record.get("MucDoDVC"),
        record.get("TrinhTuThucHien"),
        record.get("CachThuc"),
        record.get("YeuCau"),
        SEPARATOR.join(r.get("TenKetQua", "") for r in record.get("KetQuaThucHien") or []),
        record.get("ThoiHanHieuLucKetQua"),
        "\n".join(t.get("TenVanBan", "") for t in record.get("CanCuPhapLy") or []),
        decision.get("SoQuyetDinh"),
        decision.get("NgayQuyetDinh"),
        decision.get("NgayHieuLuc"),
        decision.get("NgayHetHieuLuc"),
        SEPARATOR.join(a.get("MaDonVi", "") for a in record.get("CoQuanThucHien") or []),
        SEPARATOR.join(a.get("MaDonVi", "") for a in record.get("CoQuanPhoiHop") or []),
        bool(record.get("LienThong")),
        bool(record.get("ThanhToanTrucTuyen")),
        bool(record.get("TiepNhanKhongPhuThuocDiaGioi")),
        json.dumps(record.get("BieuMauDienTu") or {}, ensure_ascii=False)
        if record.get("BieuMauDienTu")
        else "",
    ]


def _append(sheet, values: list) -> None:
    sheet.append(excel_row(sheet, values))


def workbook_from_records(records: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = MAIN
    sheets = {MAIN: sheet}
    _append(sheet, MAIN_COLUMNS)
    for name, columns in CHILD_SHEETS.items():
        sheets[name] = workbook.create_sheet(name)
        _append(sheets[name], columns)
    for record in records:
        code = record.get("MaTTHC")
        _append(sheet, _main_row(record))
        for channel in record.get("CachThucThucHien") or []:
            for time in channel.get("ThoiGian") or []:
                _append(
                    sheets["CachThucThucHien"],
                    [
                        code,
                        channel.get("Kenh"),
                        time.get("ThoiGianGiaiQuyet"),
                        time.get("DonViTinh"),
                        time.get("MoTa"),
                    ],
                )
            for fee in channel.get("PhiLePhi") or []:
                _append(
                    sheets["PhiLePhi"],
                    [
                        code,
                        channel.get("Kenh"),
                        fee.get("TenPhiLePhi"),
                        fee.get("SoTien"),
                        fee.get("MoTa"),
                        bool(fee.get("XacDinhSauThamDinh")),
                    ],
                )
        for group in record.get("ThanhPhanHoSo") or []:
            for item in group.get("GiayTo") or []:
                _append(
                    sheets["ThanhPhanHoSo"],
                    [code, group.get("TruongHop")] + [item.get(c) for c in CHILD_SHEETS["ThanhPhanHoSo"][2:]],
                )
        for step in record.get("QuyTrinhNoiBo") or []:
            _append(
                sheets["QuyTrinhNoiBo"], [code] + [step.get(c) for c in CHILD_SHEETS["QuyTrinhNoiBo"][1:]]
            )
        for exemption in record.get("MienGiamPhiLePhi") or []:
            _append(
                sheets["MienGiamPhiLePhi"],
                [code] + [exemption.get(c) for c in CHILD_SHEETS["MienGiamPhiLePhi"][1:]],
            )
    for each in sheets.values():
        for cell in each[1]:
            cell.font = Font(bold=True)
        each.freeze_panes = "A2"
        for index, _ in enumerate(each[1], start=1):
            each.column_dimensions[get_column_letter(index)].width = 24
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(sheet) -> list[dict]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    out = []
    for row in rows:
        if row is None or all(v in (None, "") for v in row):
            continue
        out.append(
            {header[i]: ("" if v is None else v) for i, v in enumerate(row) if i < len(header) and header[i]}
        )
    return out


def _split(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def records_from_workbook(file: BinaryIO | bytes) -> list[dict]:
    """Read a workbook in the layout above. Raises RecordError with a Vietnamese message if it is not one."""
    file = io.BytesIO(file) if isinstance(file, bytes) else file
    try:
        check_zip_inflation(file, name=getattr(file, "name", None) or "bảng tính")
    except ApplicationError as exc:
        raise RecordError(exc.message) from exc
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a file that is not a workbook
        raise RecordError("Tệp không phải bảng tính Excel (.xlsx) hợp lệ.") from exc
    if MAIN not in workbook.sheetnames:
        raise RecordError(f"Bảng tính thiếu trang “{MAIN}”.")
    children: dict[str, dict[str, list[dict]]] = {}
    for name in CHILD_SHEETS:
        grouped: dict[str, list[dict]] = defaultdict(list)
        if name in workbook.sheetnames:
            for row in _rows(workbook[name]):
                grouped[str(row.get("MaTTHC", "")).strip()].append(row)
        children[name] = grouped
    records = []
    for row in _rows(workbook[MAIN]):
        code = str(row.get("MaTTHC", "")).strip()
        channels: dict[int, dict] = {}
        for time in children["CachThucThucHien"].get(code, []):
            channel = channels.setdefault(
                int(time["Kenh"]), {"Kenh": int(time["Kenh"]), "ThoiGian": [], "PhiLePhi": []}
            )
            channel["ThoiGian"].append(
                {
                    "ThoiGianGiaiQuyet": time["ThoiGianGiaiQuyet"],
                    "DonViTinh": time["DonViTinh"],
                    "MoTa": time["MoTa"],
                }
            )
        for fee in children["PhiLePhi"].get(code, []):
            channel = channels.setdefault(
                int(fee["Kenh"]), {"Kenh": int(fee["Kenh"]), "ThoiGian": [], "PhiLePhi": []}
            )
            channel["PhiLePhi"].append(
                {
                    "TenPhiLePhi": fee["TenPhiLePhi"],
                    "SoTien": fee["SoTien"],
                    "MoTa": fee["MoTa"],
                    "XacDinhSauThamDinh": bool(fee.get("XacDinhSauThamDinh")),
                }
            )
        groups: dict[str, list[dict]] = {}
        for item in children["ThanhPhanHoSo"].get(code, []):
            groups.setdefault(str(item.get("TruongHop") or ""), []).append(
                {c: item.get(c, "") for c in CHILD_SHEETS["ThanhPhanHoSo"][2:]}
            )
        # A workbook without the exemptions sheet (made before it existed) leaves the exemptions as they are.
        exemptions = (
            {
                "MienGiamPhiLePhi": [
                    {c: item.get(c, "") for c in CHILD_SHEETS["MienGiamPhiLePhi"][1:]}
                    for item in children["MienGiamPhiLePhi"].get(code, [])
                ]
            }
            if "MienGiamPhiLePhi" in workbook.sheetnames
            else {}
        )
        try:
            schema = json.loads(row["BieuMauDienTu"]) if row.get("BieuMauDienTu") else {}
        except json.JSONDecodeError as exc:
            raise RecordError(f"{code}: cột BieuMauDienTu không phải JSON hợp lệ.") from exc
        records.append(
            {
                "MaTTHC": code,
                "TenTTHC": row.get("TenTTHC", ""),
                "LinhVucThucHien": [
                    {"MaLinhVuc": row.get("MaLinhVuc", ""), "TenLinhVuc": row.get("TenLinhVuc", "")}
                ],
                "CapThucHien": _split(row.get("CapThucHien")),
                "DoiTuongThucHien": row.get("DoiTuongThucHien", ""),
                "MucDoDVC": row.get("MucDoDVC", ""),
                "TrinhTuThucHien": row.get("TrinhTuThucHien", ""),
                "CachThuc": row.get("CachThuc", ""),
                "YeuCau": row.get("YeuCau", ""),
                "CachThucThucHien": [channels[k] for k in sorted(channels)],
                "ThanhPhanHoSo": [{"TruongHop": case, "GiayTo": items} for case, items in groups.items()],
                "CoQuanThucHien": [{"MaDonVi": c} for c in _split(row.get("CoQuanThucHien"))],
                "CoQuanPhoiHop": [{"MaDonVi": c} for c in _split(row.get("CoQuanPhoiHop"))],
                "KetQuaThucHien": [{"TenKetQua": r} for r in _split(row.get("KetQuaThucHien"))],
                "ThoiHanHieuLucKetQua": _int_or_none(row.get("ThoiHanHieuLucKetQua")),
                "CanCuPhapLy": [
                    {"SoVanBan": "", "TenVanBan": line.strip()}
                    for line in str(row.get("CanCuPhapLy") or "").splitlines()
                    if line.strip()
                ],
                "QuyetDinhCongBo": {
                    "SoQuyetDinh": row.get("SoQuyetDinh", ""),
                    "NgayQuyetDinh": row.get("NgayQuyetDinh", ""),
                    "NgayHieuLuc": row.get("NgayHieuLuc", ""),
                    "NgayHetHieuLuc": row.get("NgayHetHieuLuc", ""),
                },
                "LienThong": bool(row.get("LienThong")),
                "ThanhToanTrucTuyen": bool(row.get("ThanhToanTrucTuyen")),
                "TiepNhanKhongPhuThuocDiaGioi": bool(row.get("TiepNhanKhongPhuThuocDiaGioi")),
                "QuyTrinhNoiBo": [
                    {c: step.get(c, "") for c in CHILD_SHEETS["QuyTrinhNoiBo"][1:]}
                    for step in children["QuyTrinhNoiBo"].get(code, [])
                ],
                "BieuMauDienTu": schema,
                **exemptions,
            }
        )
    return records
