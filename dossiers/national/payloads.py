"""A dossier and its steps in the national portal's field names (PROTOCOLS §5).

`dossier_record(dossier)` is one DongBoHoSoMC item (OCPS `createSyncDossierBodyRequest` plus the newer fields
of TH `HoSoDongBoDVC`); `progress_record(event)` one CapNhatTienDoHoSoMC item (OCPS
`createSyncDossierStatusBodyRequest`, TH `QuaTrinhXuLyDongBoDVC`). Dates are `yyyyMMddHHmmss` in
Asia/Ho_Chi_Minh; an absent date is an empty string. Both are pure reads of the database.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from portal.constants import IdentitySource

from ..constants import ApplicantKind, DeliveryMethod, DocumentKind, EventAction
from ..models import Dossier, DossierEvent

PROVINCE_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")

# LoaiDoiTuong: 1 citizen, 2 business, 3 state agency, 4 organisation/other (TH SyncLocalDataToDVCQGService).
APPLICANT_TYPE = {ApplicantKind.CITIZEN: 1, ApplicantKind.ORGANISATION: 2}
# LoaiDinhDanh of DinhDanhCHS: the personal identification number, or the enterprise's tax code.
IDENTIFIER_TYPE = {ApplicantKind.CITIZEN: 1, ApplicantKind.ORGANISATION: 2}
# NoiNopHoSo: where the dossier was filed — 1 the province's system, 2 the national portal.
FILED_LOCALLY, FILED_NATIONALLY = 1, 2

# Steps that are not processing steps and are not reported as progress.
NOT_REPORTED = frozenset(
    {
        EventAction.MESSAGE,
        EventAction.DEADLINE_WARNING,
        EventAction.APOLOGY_DRAFT,
        EventAction.FEE_EXEMPTION_REFUSED,
    }
)


def _link(name: str, **kwargs) -> str:
    return f"{settings.SITE_URL}{reverse(f'dossiers:{name}', kwargs=kwargs)}"


def national_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(PROVINCE_TZ).strftime("%Y%m%d%H%M%S")


def dossier_key(dossier: Dossier) -> str:
    """MaHoSo: the national portal's own code for a dossier filed there, otherwise ours (from reception)."""
    return dossier.national_code or dossier.code or ""


def _money(value: Decimal) -> int:
    return int(value.quantize(Decimal(1)))


def _fees(dossier: Dossier) -> list[dict]:
    # HinhThucThu: 1 at the desk, 2 online (inferred). LoaiPhiLePhi: 1 phí, 2 lệ phí. Gia is what is charged:
    # the exemption of a listed target group the desk has not refused brings it down.
    collected = 2 if dossier.paid_online else 1
    exemption = dossier.granted_fee_exemption
    return [
        {
            "TenPhiLePhi": fee.name,
            "MaPhiLePhi": str(fee.pk),
            "HinhThucThu": collected,
            "Gia": exemption.reduced(_money(fee.amount))
            if exemption is not None and exemption.applies_to(fee.name)
            else _money(fee.amount),
            "LoaiPhiLePhi": 2 if fee.name.lower().startswith("lệ phí") else 1,
        }
        for fee in dossier.procedure_version.fees_for(dossier.channel)
    ]


def _papers(dossier: Dossier) -> list[dict]:
    return [
        {
            "TepDinhKemId": str(f.pk),
            "TenTepDinhKem": f.original_name,
            "IsDeleted": False,
            "MaThanhPhanHoSo": f.component.code if f.component_id else "",
            "DuongDanTaiTepTin": _link("file_download", pk=dossier.pk, file_pk=f.pk),
            "DuocSoHoa": f.digitised,
            "DuocTaiSuDung": f.reused,
            "DuocLayTuKhoDMQG": bool(f.component_id and f.component.from_national_database and f.reused),
            "MaKetQuaThayThe": "",
        }
        for f in dossier.files.select_related("component").order_by("id")
    ]


def _other_papers(dossier: Dossier) -> list[dict]:
    """Components of the version for which the applicant brought no file (shown as declared papers)."""
    with_files = set(dossier.files.values_list("component_id", flat=True))
    return [
        {"TenGiayTo": c.name, "SoLuong": c.quantity, "LoaiGiayTo": c.get_copy_type_display()}
        for c in dossier.procedure_version.components.order_by("order")
        if c.pk not in with_files and not c.mandatory
    ]


def _supplements(dossier: Dossier) -> list[dict]:
    events = list(
        dossier.events.filter(action__in=(EventAction.REQUEST_SUPPLEMENT, EventAction.SUPPLEMENT))
        .select_related("actor")
        .order_by("at", "id")
    )
    out: list[dict] = []
    for index, event in enumerate(events):
        if event.action != EventAction.REQUEST_SUPPLEMENT:
            continue
        answer = next(
            (e for e in events[index + 1 :] if e.action == EventAction.SUPPLEMENT),
            None,
        )
        out.append(
            {
                "HoSoBoSungId": str(event.pk),
                "NguoiYeuCauBoSung": event.actor.full_name if event.actor_id else "",
                "NoiDungBoSung": event.reason,
                "NgayBoSung": national_datetime(event.at),
                "NgayTiepNhanBoSung": national_datetime(answer.at) if answer else "",
                "NgayHenTraTruoc": _payload_datetime(answer, "previous_due_at") if answer else "",
                "NgayHenTraMoi": _payload_datetime(answer, "due_at") if answer else "",
            }
        )
    return out


def _payload_datetime(event: DossierEvent, key: str) -> str:
    value = event.payload.get(key)
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return national_datetime(value)


def _results(dossier: Dossier) -> list[dict]:
    return [
        {
            "TenGiayTo": dossier.procedure_version.result_type or str(document.get_kind_display()),
            "MaThanhPhanHoSo": "",
            "GiayToId": str(document.pk),
            "DuongDanTepTinKetQua": _link("document", pk=dossier.pk, kind=document.kind),
        }
        for document in dossier.documents.filter(kind=DocumentKind.RESULT).order_by("id")
    ]


def _refused_at(dossier: Dossier) -> str:
    event = dossier.events.filter(action=EventAction.REFUSE).order_by("-at").first()
    return national_datetime(event.at) if event else ""


def dossier_record(dossier: Dossier) -> dict:
    """One DongBoHoSoMC item for the dossier as it stands."""
    version = dossier.procedure_version
    procedure = version.procedure
    field = procedure.field
    handling = dossier.competent_agency or dossier.receiving_agency
    account = dossier.applicant
    vneid = bool(
        account is not None
        and account.identity_source == IdentitySource.NATIONAL_SSO
        and account.cccd == dossier.applicant_id_number
    )
    kind = dossier.applicant_kind
    files = _papers(dossier)
    return {
        "MaHoSo": dossier_key(dossier),
        "MaTTHC": procedure.code,
        "TenTTHC": version.name,
        "MaLinhVuc": field.code if field else "",
        "TenLinhVuc": field.name if field else "",
        "KenhThucHien": int(dossier.channel),
        "ChuHoSo": dossier.applicant_name,
        "LoaiDoiTuong": APPLICANT_TYPE.get(kind, 4),
        "MaDoiTuong": dossier.applicant_id_number,
        "SoGiayToChuHoSo": dossier.applicant_id_number,
        "DinhDanhCHS": [
            {"LoaiDinhDanh": IDENTIFIER_TYPE.get(kind, 1), "SoDinhDanh": dossier.applicant_id_number}
        ],
        "ThongTinKhac": dossier.applicant_address,
        "Email": dossier.applicant_email,
        "Fax": "",
        "SoDienThoai": dossier.applicant_phone,
        "TrichYeuHoSo": f"{version.name} — {dossier.applicant_name}",
        "NgayNopHoSo": national_datetime(dossier.submitted_at),
        "NgayTiepNhan": national_datetime(dossier.received_at),
        "NgayHenTra": national_datetime(dossier.due_at),
        "TrangThaiHoSo": dossier.national_status,
        "NgayTra": national_datetime(dossier.delivered_at),
        "ThongTinTra": dossier.collected_by or dossier.postal_tracking_number,
        "HinhThuc": 1 if dossier.delivery_method == DeliveryMethod.POST else 0,
        "NgayKetThucXuLy": national_datetime(dossier.finished_at),
        "NgayTuChoi": _refused_at(dossier),
        "DonViXuLy": handling.name if handling else "",
        "NoiNopHoSo": FILED_NATIONALLY if dossier.national_code else FILED_LOCALLY,
        "GhiChu": "",
        "HoSoCoThanhPhanSoHoa": any(f["DuocSoHoa"] for f in files),
        "TaiKhoanDuocXacThucVoiVNeID": vneid,
        "DuocThanhToanTrucTuyen": dossier.paid_online,
        "DSKetNoiCSDL": [],
        "DanhSachLePhi": _fees(dossier),
        "DanhSachTepDinhKemKhac": _other_papers(dossier),
        "DanhSachHoSoBoSung": _supplements(dossier),
        "TaiLieuNop": files,
        "DanhSachGiayToKetQua": _results(dossier),
    }


def progress_record(event: DossierEvent) -> dict:
    """One CapNhatTienDoHoSoMC item: who did what in which department, and the step's time frame."""
    dossier = event.dossier
    handover = event.handovers.select_related("to_agency").order_by("id").first()
    actor = event.actor
    if handover is not None:
        department = handover.to_department or (handover.to_agency.name if handover.to_agency_id else "")
        started, due = handover.handed_at, handover.step_due_at or dossier.due_at
    else:
        department = dossier.current_department or (
            dossier.current_agency.name if dossier.current_agency_id else ""
        )
        started, due = event.at, dossier.due_at
    return {
        "MaHoSo": dossier_key(dossier),
        "NguoiXuLy": actor.full_name if actor else "Hệ thống",
        "ChucDanh": _title(actor, dossier),
        "ThoiDiemXuLy": national_datetime(event.at),
        "PhongBanXuLy": department,
        "NoiDungXuLy": event.get_action_display() + (f": {event.reason}" if event.reason else ""),
        "TrangThai": int(event.to_national_status or dossier.national_status),
        "NgayBatDau": national_datetime(started),
        "NgayKetThucTheoQuyDinh": national_datetime(due),
    }


def _title(actor, dossier: Dossier) -> str:
    if actor is None:
        return ""
    if actor.is_citizen:
        return "Người nộp hồ sơ"
    membership = actor.agency_memberships.filter(active=True).order_by("id").first()
    return str(membership.get_role_display()) if membership else ""
