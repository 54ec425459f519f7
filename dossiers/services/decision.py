"""The decision: the specialist submits the draft result (or a reasoned refusal), the department head
sends it back for rework or approves and signs it."""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.storage import atomic_with_files, files_removed_on_rollback
from portal.working_time import load_calendar
from repository import services as kho
from repository import signing

from .. import documents, permissions, selectors
from ..constants import Decision, DeliveryMethod, DocumentKind, EventAction
from ..models import Dossier, Route
from .core import (
    check_expected_version,
    check_transition,
    check_upload_for,
    last_event,
    reason_required,
    store_pdf,
    transition,
)
from .delivery import deliver_result
from .handovers import DESK_DEPARTMENT, hand_over_along_route

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import User


@dataclass
class ResultDraft:
    """What the specialist proposes for signature: the result (or the reasoned refusal) and its record."""

    decision: str
    opinion: str
    title: str = ""
    number: str = ""
    document_type_code: str = ""
    content: str = ""
    upload: UploadedFile | None = None


PDF_ONLY = {"application/pdf": "pdf"}


def _draft_pdf(dossier: Dossier, draft: ResultDraft, actor: User) -> tuple[bytes, dict[str, str]]:
    """The PDF to sign: uploaded by the specialist, or generated from the text typed (result or refusal)."""
    errors: dict[str, str] = {}
    opinion_min = 10
    if len((draft.opinion or "").strip()) < opinion_min:
        errors["opinion"] = (
            "Nhập lý do từ chối cụ thể (ít nhất 10 ký tự)."
            if draft.decision == Decision.REFUSE
            else "Nhập ý kiến thẩm định (ít nhất 10 ký tự)."
        )
    if draft.decision not in Decision.values:
        errors["decision"] = "Chọn đề xuất giải quyết hoặc từ chối."
    if draft.decision == Decision.GRANT and not draft.title.strip():
        errors["title"] = "Nhập tên kết quả (ví dụ: Giấy phép xây dựng)."
    if draft.decision == Decision.GRANT and draft.upload is None and len(draft.content.strip()) < 10:
        errors["content"] = "Tải lên dự thảo kết quả (PDF) hoặc nhập nội dung kết quả để hệ thống lập."
    if draft.document_type_code and not re.fullmatch(r"[A-Za-z0-9_.\-]{2,60}", draft.document_type_code):
        errors["document_type_code"] = "Mã loại kết quả chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới."
    if errors:
        raise ApplicationError("Dự thảo kết quả chưa hợp lệ.", code="invalid_draft", extra={"errors": errors})
    if draft.upload is not None:
        check_upload_for("upload", draft.upload, allowed=PDF_ONLY)
        draft.upload.seek(0)
        return draft.upload.read(), {}
    pdf = documents.render_result(
        dossier=dossier,
        decision=draft.decision,
        title=draft.title.strip(),
        number=draft.number.strip(),
        content=draft.content.strip(),
        reason=draft.opinion.strip(),
        officer=actor,
    )
    return pdf, {}


def dossier_submit_for_approval(
    *,
    dossier: Dossier,
    actor: User,
    draft: ResultDraft,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist ends the appraisal and submits the draft result — or a refusal with its reason
    (NĐ 118/2025/NĐ-CP: hồ sơ không đủ điều kiện giải quyết thì trả lại kèm văn bản nêu rõ lý do) — to the
    department head."""
    at = at or timezone.now()
    calendar = load_calendar()
    if not permissions.is_handler(actor, dossier):
        raise NotPermitted("Chỉ chuyên viên được phân công mới trình kết quả của hồ sơ này.")
    pdf, _ = _draft_pdf(dossier, draft, actor)
    if draft.decision == Decision.REFUSE and not draft.title.strip():
        draft.title = "Văn bản trả lời từ chối giải quyết hồ sơ"
    prefix = "KQ" if draft.decision == Decision.GRANT else "TUCHOI"
    code = draft.document_type_code.strip() or f"{prefix}.{dossier.procedure_version.procedure.code}"
    result = {
        "title": draft.title.strip(),
        "number": draft.number.strip(),
        "document_type_code": code,
        "document_type_name": dossier.procedure_version.result_type or draft.title.strip(),
    }
    with (
        files_removed_on_rollback() as files,
        transition(
            dossier, actor=actor, method="submit_for_approval", expected_version=expected_version
        ) as t,
    ):
        locked = t.dossier
        step = selectors.process_step(version=locked.procedure_version, role=Role.APPROVER)
        department = (step.department if step else "") or locked.current_department
        event = t.apply(
            EventAction.SUBMIT_FOR_APPROVAL,
            at=at,
            arguments={
                "route": Route(agency=locked.current_agency, department=department, role=Role.APPROVER),
                "decision": draft.decision,
            },
            reason=draft.opinion.strip(),
            payload={"decision": draft.decision, "result": result},
            public=False,
        )
        hand_over_along_route(dossier=locked, event=event, actor=actor, step=step, calendar=calendar)
        store_pdf(dossier=locked, kind=DocumentKind.RESULT_DRAFT, event=event, pdf=pdf, files=files)
    return locked


def dossier_return_for_rework(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The department head sends the draft back to the specialist who submitted it, saying what to redo."""
    reason = reason_required(reason, what="nội dung cần xử lý lại")
    at = at or timezone.now()
    calendar = load_calendar()
    with transition(dossier, actor=actor, method="return_for_rework", expected_version=expected_version) as t:
        locked = t.dossier
        submitted = last_event(locked, EventAction.SUBMIT_FOR_APPROVAL)
        specialist = submitted.actor if submitted else None
        step = selectors.process_step(version=locked.procedure_version, role=Role.SPECIALIST)
        department = (step.department if step else "") or locked.current_department
        route = Route(
            agency=locked.current_agency, department=department, role=Role.SPECIALIST, handler=specialist
        )
        event = t.apply(
            EventAction.RETURN_FOR_REWORK, at=at, arguments={"route": route}, reason=reason, public=False
        )
        hand_over_along_route(
            dossier=locked, event=event, actor=actor, step=step, note=reason, calendar=calendar
        )
    return locked


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, monthrange(year, month)[1]))


def _result_owner(dossier: Dossier):
    """Whose Kho the result goes into: the organisation filed for, else the applicant's citizen account."""
    if dossier.organisation_id:
        return dossier.organisation
    if dossier.applicant_id and dossier.applicant.is_citizen:
        return dossier.applicant
    return None


def _sign_result(*, dossier: Dossier, actor: User, pdf: bytes, record: dict, at: dt.datetime):
    """Sign the result with the agency's certificate (PAdES, NĐ 23/2025/NĐ-CP); put it into the applicant's
    Kho when they have an account (NĐ 45/2020/NĐ-CP Điều 16), with the version's validity. Returns the signed
    bytes and the stored document (None for a walk-in applicant without an account)."""
    agency = dossier.current_agency
    owner = _result_owner(dossier)
    issued_on = timezone.localdate(at)
    months = dossier.procedure_version.result_validity_months
    valid_to = (
        _add_months(issued_on, months) - dt.timedelta(days=1)
        if months and dossier.decision == Decision.GRANT
        else None
    )
    filename = f"ket-qua-{(dossier.code or str(dossier.pk)).replace('.', '_')}.pdf"
    if owner is not None:
        document = kho.result_issue(
            actor=actor,
            agency=agency,
            owner=owner,
            pdf=pdf,
            document_type_code=record.get("document_type_code")
            or f"KQ.{dossier.procedure_version.procedure.code}",
            document_type_name=(record.get("document_type_name") or record.get("title") or "Kết quả")[:300],
            title=(record.get("title") or dossier.procedure_version.name)[:300],
            number=record.get("number", "")[:100],
            issued_on=issued_on,
            valid_from=issued_on,
            valid_to=valid_to,
            dossier_id=dossier.pk,
            filename=filename,
        )
        with document.current_version.file.open("rb") as handle:
            return handle.read(), document
    certificate = kho.signing_certificate_current(agency)
    if certificate is None:
        raise ApplicationError(
            f"{agency.name} chưa có chứng thư ký số còn hiệu lực. Quản trị viên cần cấp hoặc nạp chứng thư "
            "(lệnh create_signing_certificates).",
            code="no_signing_certificate",
        )
    page = f"{settings.SITE_URL}{reverse('repository:verify')}"
    signed = signing.sign_pdf(
        pdf,
        certificate=certificate,
        verification_url=page,
        signer_name=agency.name,
        reason=f"Kết quả giải quyết thủ tục hành chính: {record.get('title') or dossier.procedure_version.name}"[
            :200
        ],
        location=agency.address,
        signed_at=at,
    )
    return signed, None


def _draft_to_sign(dossier: Dossier) -> tuple[bytes, dict]:
    """The draft result's PDF and its record (title, number, type) as submitted for approval."""
    draft = dossier.documents.filter(kind=DocumentKind.RESULT_DRAFT).order_by("-created_at", "-id").first()
    submitted = last_event(dossier, EventAction.SUBMIT_FOR_APPROVAL)
    if draft is None or submitted is None:
        raise Conflict("Hồ sơ chưa có dự thảo kết quả để ký.", code="no_draft")
    with draft.file.open("rb") as handle:
        return handle.read(), submitted.payload.get("result", {})


def dossier_approve(
    *, dossier: Dossier, actor: User, expected_version: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """The department head approves and signs the result digitally (status 9, Đã xử lý xong); the result
    goes back to the one-stop desk. A result to be received electronically is placed in the applicant's
    Kho dữ liệu and the dossier is delivered at once (status 10).

    Signing takes seconds, so it happens before the row lock, on the dossier as read then; the lock then
    checks that the dossier has not changed since (same version), so what was signed is what is approved.
    A failure after signing rolls back the signed result in Kho dữ liệu with its file.
    """
    at = at or timezone.now()
    calendar = load_calendar()
    with atomic_with_files() as files:
        current = Dossier.objects.select_related("procedure_version").get(pk=dossier.pk)
        check_expected_version(current, expected_version)
        check_transition(current, "approve", actor)
        pdf, record = _draft_to_sign(current)
        signed, kho_document = _sign_result(dossier=current, actor=actor, pdf=pdf, record=record, at=at)
        if kho_document is not None:
            version = kho_document.current_version
            for stored in (version.file, version.thumbnail):
                if stored:
                    files.add(stored)
        with transition(dossier, actor=actor, method="approve", expected_version=current.version) as t:
            locked = t.dossier
            step = selectors.process_step(
                version=locked.procedure_version, role=Role.INTAKE_OFFICER, last=True
            )
            department = (step.department if step else "") or DESK_DEPARTMENT
            route = Route(agency=locked.receiving_agency, department=department, role=Role.INTAKE_OFFICER)
            event = t.apply(EventAction.APPROVE, at=at, arguments={"at": at, "route": route})
            hand_over_along_route(dossier=locked, event=event, actor=actor, step=step, calendar=calendar)
            store_pdf(
                dossier=locked,
                kind=DocumentKind.RESULT,
                event=event,
                pdf=signed,
                files=files,
                kho_document=kho_document,
            )
        if locked.delivery_method == DeliveryMethod.ELECTRONIC and kho_document is not None:
            locked = deliver_result(
                dossier=locked,
                actor=None,
                at=at,
                method=DeliveryMethod.ELECTRONIC,
                system=True,
                note="Kết quả điện tử đã được đưa vào Kho dữ liệu của người nộp.",
            )
    return locked
