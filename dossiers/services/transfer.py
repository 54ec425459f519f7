"""Inter-agency transfer (liên thông) and its return; stopping processing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError
from portal.storage import files_removed_on_rollback
from portal.working_time import load_calendar

from ..constants import EventAction
from ..models import Dossier, DossierTransfer, Route
from .core import check_upload_for, field_error, reason_required, transition
from .handovers import close_open_handover, hand_over

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import Agency, User


def dossier_transfer(
    *,
    dossier: Dossier,
    actor: User,
    to_agency: Agency,
    request: str,
    due_at: dt.datetime | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Send the dossier to another agency, of the same level or another level, for its part (liên thông,
    NĐ 118/2025/NĐ-CP): it works on the dossier in its own queue and sends it back. The dossier keeps its
    code and its overall appointment; the answer is due by `due_at` (at the latest the appointment)."""
    request = reason_required(request, field="request", what="nội dung đề nghị phối hợp")
    at = at or timezone.now()
    calendar = load_calendar()
    errors = {}
    if not to_agency.active:
        errors["to_agency"] = f"{to_agency.name} không còn hoạt động."
    if due_at is not None and due_at <= at:
        errors["due_at"] = "Hạn trả lời phải sau thời điểm chuyển."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_transfer", extra={"errors": errors})
    with transition(dossier, actor=actor, method="transfer", expected_version=expected_version) as t:
        locked = t.dossier
        if to_agency.pk == locked.current_agency_id:
            raise field_error("to_agency", "Chọn một cơ quan khác với cơ quan đang xử lý hồ sơ.")
        if due_at is not None and locked.due_at and due_at > locked.due_at:
            raise field_error(
                "due_at",
                f"Hạn trả lời không được sau ngày hẹn trả kết quả của hồ sơ "
                f"({timezone.localtime(locked.due_at):%H:%M %d/%m/%Y}).",
            )
        from_agency, from_department = locked.current_agency, locked.current_department
        event = t.apply(
            EventAction.TRANSFER,
            at=at,
            arguments={"route": Route(agency=to_agency, role=Role.SPECIALIST)},
            reason=f"Chuyển liên thông đến {to_agency.name}.",
            payload={"to_agency_id": to_agency.pk, "request": request, "due_at": due_at},
        )
        DossierTransfer.objects.create(
            dossier=locked,
            from_agency=from_agency,
            from_department=from_department,
            to_agency=to_agency,
            sent_by=actor,
            sent_at=at,
            request=request,
            due_at=due_at,
        )
        hand_over(
            dossier=locked,
            event=event,
            from_user=actor,
            to_agency=to_agency,
            to_role=Role.SPECIALIST,
            due_from_step=False,
            step_due_at=due_at or locked.due_at,
            note=request,
            calendar=calendar,
        )
    return locked


def dossier_return_transfer(
    *,
    dossier: Dossier,
    actor: User,
    response: str,
    upload: UploadedFile | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The agency that received the transfer sends its answer (and a document, e.g. its written opinion)
    back to the specialist who sent it."""
    response = reason_required(response, field="response", what="kết quả phối hợp")
    at = at or timezone.now()
    calendar = load_calendar()
    checked = check_upload_for("upload", upload) if upload is not None else None
    with (
        files_removed_on_rollback() as files,
        transition(dossier, actor=actor, method="return_transfer", expected_version=expected_version) as t,
    ):
        locked = t.dossier
        transfer = DossierTransfer.objects.select_for_update().get(dossier=locked, returned_at__isnull=True)
        route = Route(
            agency=transfer.from_agency,
            department=transfer.from_department,
            role=Role.SPECIALIST,
            handler=transfer.sent_by,
        )
        event = t.apply(
            EventAction.RETURN_TRANSFER,
            at=at,
            arguments={"route": route},
            reason="Cơ quan phối hợp đã trả kết quả liên thông.",
            payload={"response": response},
        )
        transfer.returned_at = at
        transfer.returned_by = actor
        transfer.response = response
        if upload is not None:
            upload.seek(0)
            transfer.response_file.save(f"phoi-hop.{checked.extension}", upload, save=False)
            files.add(transfer.response_file)
            transfer.response_file_name = (upload.name or "")[:255]
        transfer.save()
        hand_over(
            dossier=locked,
            event=event,
            from_user=actor,
            to_user=transfer.sent_by,
            to_agency=transfer.from_agency,
            to_department=transfer.from_department,
            to_role=Role.SPECIALIST,
            due_from_step=False,
            step_due_at=locked.due_at,
            note=response,
            calendar=calendar,
        )
    return locked


def dossier_stop(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The competent agency's leadership stops processing (status 8, Dừng xử lý) with the reason, e.g. the
    applicant did not supplement within the time given, or the matter is before a court."""
    reason = reason_required(reason, what="lý do dừng xử lý")
    at = at or timezone.now()
    with transition(dossier, actor=actor, method="stop", expected_version=expected_version) as t:
        t.apply(EventAction.STOP, at=at, arguments={"at": at}, reason=reason)
        close_open_handover(t.dossier, at=at)
    return t.dossier
