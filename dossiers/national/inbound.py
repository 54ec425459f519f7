"""Dossiers filed on the national portal, taken in: checked against our catalogue, created with their files
and submitted to the right desk's intake queue as an online dossier (KenhThucHien 2), under the national
portal's MaHoSo. The same MaHoSo sent again returns the dossier already taken in."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.constants import IdentitySource
from portal.errors import ApplicationError
from portal.models import User
from portal.storage import atomic_with_files
from procedures.constants import Channel
from procedures.models import ProcedureVersion

from .. import selectors
from ..constants import ApplicantKind, DeliveryMethod, EventAction
from ..models import Dossier, NationalSyncState
from ..services.core import check_upload_for, store_upload, transition


class InboundRefused(ApplicationError):
    status_code = 422
    code = "national_dossier_refused"


def _refuse(message: str, problems: list[str] | None = None) -> InboundRefused:
    return InboundRefused(message, extra={"errors": problems or [message]})


def _decode(paper: dict, index: int) -> bytes:
    try:
        return base64.b64decode(paper.get("NoiDungTep") or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _refuse(f"TaiLieuNop[{index}].NoiDungTep không phải base64.") from exc


def dossier_take_in_national(*, record: dict, at: dt.datetime | None = None) -> tuple[Dossier, bool]:
    """Create and submit the dossier described by `record` (already shape-checked by the API serializer).
    Returns the dossier and whether it was created now (False: the same MaHoSo was taken in before)."""
    at = at or timezone.now()
    key = record["MaHoSo"]
    existing = Dossier.objects.filter(national_code=key).first()
    if existing is not None:
        return existing, False
    version = (
        ProcedureVersion.objects.in_force(timezone.localdate(at))
        .filter(procedure__code=record["MaTTHC"])
        .select_related("procedure")
        .first()
    )
    if version is None:
        raise _refuse(
            f"Thủ tục {record['MaTTHC']} không có trong danh mục thủ tục của tỉnh hoặc đã hết hiệu lực."
        )
    if not version.allows_online:
        raise _refuse(f"Thủ tục {record['MaTTHC']} không tiếp nhận hồ sơ trực tuyến.")
    components = {c.code: c for c in version.components.all() if c.code}
    papers = record.get("TaiLieuNop") or []
    problems = [
        f"TaiLieuNop[{i}].MaThanhPhanHoSo “{p.get('MaThanhPhanHoSo')}” không thuộc thủ tục {record['MaTTHC']}."
        for i, p in enumerate(papers)
        if p.get("MaThanhPhanHoSo") not in components
    ]
    given = {p.get("MaThanhPhanHoSo") for p in papers}
    problems += [
        f"Thiếu giấy tờ bắt buộc: {c.name} ({code})."
        for code, c in components.items()
        if c.mandatory and code not in given
    ]
    problems += [
        f"Thiếu giấy tờ bắt buộc: {c.name}." for c in version.components.all() if c.mandatory and not c.code
    ]
    if problems:
        raise _refuse("Hồ sơ không hợp lệ với thủ tục trong danh mục của tỉnh.", problems)
    desks = list(selectors.desks_for_version(version=version))
    wanted = record.get("MaDonViTiepNhan") or ""
    desk = next((d for d in desks if d.code == wanted), None) or (desks[0] if desks else None)
    if desk is None:
        raise _refuse(f"Chưa có bộ phận một cửa tiếp nhận thủ tục {record['MaTTHC']}.")
    organisation = record.get("LoaiDoiTuong") == 2
    number = record.get("SoGiayToChuHoSo") or ""
    account = User.objects.filter(
        cccd=number, identity_source=IdentitySource.NATIONAL_SSO, is_active=True
    ).first()
    with atomic_with_files() as files:
        dossier = Dossier.objects.create(
            procedure_version=version,
            channel=Channel.ONLINE,
            national_code=key,
            applicant=None if organisation else account,
            created_by=None,
            applicant_kind=ApplicantKind.ORGANISATION if organisation else ApplicantKind.CITIZEN,
            applicant_name=record["ChuHoSo"][:300],
            applicant_id_number=number[:20],
            applicant_address=(record.get("DiaChi") or "")[:300],
            applicant_phone=(record.get("SoDienThoai") or "")[:15],
            applicant_email=(record.get("Email") or "")[:254],
            form_data=record.get("ThongTinToKhai") or {},
            receiving_agency=desk,
            competent_agency=selectors.competent_agency_for(version=version, desk=desk),
            delivery_method=DeliveryMethod.ELECTRONIC,
        )
        for index, paper in enumerate(papers):
            content = _decode(paper, index)
            upload = SimpleUploadedFile(paper.get("TenTepDinhKem") or f"tep-{index + 1}.pdf", content)
            check_upload_for(f"TaiLieuNop[{index}]", upload)
            store_upload(
                dossier=dossier,
                component=components[paper["MaThanhPhanHoSo"]],
                upload=upload,
                actor=None,
                digitised=False,
                files=files,
            )
        NationalSyncState.objects.create(dossier=dossier, known_nationally=True)
        with transition(dossier, actor=None, method="submit", system=True) as t:
            t.apply(
                EventAction.SUBMIT,
                at=at,
                arguments={"at": at},
                reason="Nộp trên Cổng Dịch vụ công quốc gia",
                payload={"source": "dvcqg", "MaHoSo": key},
            )
    return t.dossier, True
