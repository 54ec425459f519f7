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
      VaiTro, MaDonVi, PhongBan, TyLeThoiGian}], BieuMauDienTu (JSON Schema of the applicant form),
      MienGiamPhiLePhi [{DoiTuong, TenPhiLePhi (blank: every fee), TyLe (1–100, 100: exempted),
      CanCuPhapLy, GiayToChungMinh}] (fee exemptions of listed target groups)

A key absent from a record keeps the value of the version it is applied to, so a national record (without the
province's additions) never wipes the internal process or the form definition.

The package: `fields` (the national vocabulary, and which keys are the province's own), `data` (VersionData and
`RecordError`), `records` (record ⇄ VersionData, the import/export format), `versions` (ProcedureVersion ⇄
VersionData). The HTTP adapter and its simulator are in `procedures.adapters`; the sync run in
`procedures.services`.
"""

from .data import ChannelData, ComponentData, ExemptionData, FeeData, RecordError, StepData, VersionData
from .fields import PROVINCE_KEYS, TEMPLATE_DIR, differing_keys, national_projection
from .records import data_from_record, record_from_data, record_from_version
from .versions import data_from_version, missing_agencies, write_version_data

__all__ = [
    "PROVINCE_KEYS",
    "TEMPLATE_DIR",
    "ChannelData",
    "ComponentData",
    "ExemptionData",
    "FeeData",
    "RecordError",
    "StepData",
    "VersionData",
    "data_from_record",
    "data_from_version",
    "differing_keys",
    "missing_agencies",
    "national_projection",
    "record_from_data",
    "record_from_version",
    "write_version_data",
]
