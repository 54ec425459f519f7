"""The dossier page (timeline, files, printed forms, the actions the person may take) and the downloads
it links to. Every officer's read is written to the access log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from .. import payment_hooks, permissions, selectors, services
from ..constants import (
    APPLICANT_VISIBLE_ACTIONS,
    FINAL_STATES,
    OFFICER_ONLY_DOCUMENTS,
    DocumentKind,
    DossierState,
    EventAction,
)
from ..forms import MessageForm
from ..models import Dossier, DossierAccessLog, DossierFile
from ..survey import permissions as survey_permissions
from ..survey import selectors as survey_selectors
from .common import answers, supplement_request, visible_dossier

ROLE_WAITING = {
    "intake": gettext_lazy("Bộ phận một cửa"),
    "specialist": gettext_lazy("chờ lãnh đạo phòng phân công chuyên viên"),
    "approver": gettext_lazy("chờ lãnh đạo phê duyệt"),
    "citizen": gettext_lazy("chờ người nộp"),
}

DOCUMENT_EVENTS = {
    DocumentKind.RECEIPT: (EventAction.RECEIVE, EventAction.RECEIVE_AT_COUNTER, EventAction.RECEIVE_BY_POST),
    DocumentKind.REFUSAL: (EventAction.REFUSE,),
    # Reprinted with the new appointment once the applicant has supplemented and the clock restarted.
    DocumentKind.SUPPLEMENT_REQUEST: (
        EventAction.REQUEST_COMPLETION,
        EventAction.REQUEST_SUPPLEMENT,
        EventAction.SUPPLEMENT,
    ),
    DocumentKind.APOLOGY: (EventAction.APOLOGY,),
    DocumentKind.RESULT: (EventAction.APPROVE,),
    DocumentKind.RESULT_DRAFT: (EventAction.SUBMIT_FOR_APPROVAL,),
    # The control slip is printed from the handovers as they stand at the latest one.
    DocumentKind.CONTROL_SLIP: None,
}


def _actions(user, dossier: Dossier) -> dict:
    def allowed(method: str) -> bool:
        bound = getattr(dossier, method)
        return can_proceed(bound) and has_transition_perm(bound, user)

    return {
        "edit": permissions.can_edit_as_applicant(user, dossier),
        "delete_draft": dossier.state == DossierState.DRAFT
        and permissions.can_act_as_applicant(user, dossier),
        "withdraw": allowed("withdraw"),
        "receive": allowed("receive"),
        "refuse": allowed("refuse"),
        "request_completion": allowed("request_completion"),
        "forward": allowed("forward"),
        "assign": allowed("assign") or allowed("reassign"),
        "submit_for_approval": allowed("submit_for_approval"),
        "return_for_rework": allowed("return_for_rework"),
        "approve": allowed("approve"),
        "deliver": allowed("deliver"),
        "request_supplement": allowed("request_supplement"),
        "supplement_at_desk": allowed("supplement")
        and not dossier.is_before_reception
        and dossier.receiving_agency_id in permissions.intake_agency_ids(user),
        "request_payment": allowed("request_payment"),
        "record_payment": allowed("record_payment"),
        "transfer": allowed("transfer"),
        "return_transfer": allowed("return_transfer"),
        "stop": allowed("stop"),
        "apology": dossier.state in selectors.running_states()
        and permissions.can_draft_apology(user, dossier),
        "approve_apology": permissions.can_decide(user, dossier),
        "refuse_fee_exemption": dossier.granted_fee_exemption is not None
        and dossier.state != DossierState.DRAFT
        and dossier.state not in FINAL_STATES
        and permissions.can_intake(user, dossier),
    }


def _survey(user, dossier) -> tuple[str, bool, bool]:
    """The survey link for this reader (applicant online, desk officer with the tablet) and whether it was done."""
    if dossier.state != DossierState.DELIVERED:
        return "", False, False
    if survey_selectors.survey_of(dossier=dossier) is not None:
        return "", False, survey_permissions.can_rate_online(user, dossier) or user.is_officer
    if survey_permissions.can_rate_online(user, dossier):
        return reverse("survey:rate", args=[dossier.pk]), False, False
    if survey_permissions.can_host_desk_survey(user, dossier):
        return reverse("survey:desk", args=[dossier.pk]), True, False
    return "", False, False


@login_required
def detail(request, pk: int):
    dossier = selectors.dossier_detail(pk=pk)
    if dossier is None:
        raise Http404
    if not permissions.can_view(request.user, dossier):
        if permissions.can_view_for_delivery(request.user, dossier):
            return render(request, "dossiers/delivery_slip.html", {"dossier": dossier})
        raise Http404  # the same answer for "does not exist" and "not yours"
    services.dossier_record_officer_read(
        dossier=dossier, actor=request.user, purpose=DossierAccessLog.Purpose.VIEW
    )
    is_applicant = permissions.can_act_as_applicant(request.user, dossier)
    events = list(dossier.events.all())
    if is_applicant and not request.user.is_officer:
        events = [e for e in events if e.public or e.action in APPLICANT_VISIBLE_ACTIONS]
    documents = list(dossier.documents.all())
    officer = request.user.is_officer
    latest = {d.kind: d for d in documents if officer or d.kind not in OFFICER_ONLY_DOCUMENTS}
    documents = sorted(latest.values(), key=lambda d: (d.created_at, d.pk))
    survey_link, survey_desk, survey_done = _survey(request.user, dossier)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "survey_link": survey_link,
            "survey_desk": survey_desk,
            "survey_done": survey_done,
            "show_processing": officer and dossier.received_at is not None,
            "obligations": list(dossier.obligations.all()),
            "payment_panel": payment_hooks.dossier_panel(request=request, dossier=dossier),
            "message_form": MessageForm() if permissions.can_message(request.user, dossier) else None,
            "apologies": list(dossier.apologies.select_related("drafted_by", "approved_by"))
            if officer
            else [],
            "transfers": list(dossier.transfers.select_related("from_agency", "to_agency"))
            if officer and dossier.received_at
            else [],
            "current_role_label": ROLE_WAITING.get(dossier.current_role, ""),
            "events": events,
            "files": list(dossier.files.all()),
            "documents": documents,
            "pending_receipt": dossier.received_at is not None
            and dossier.state != DossierState.REFUSED
            and not any(d.kind == DocumentKind.RECEIPT for d in documents),
            "answers": answers(dossier),
            "remaining": selectors.remaining_working_time(dossier=dossier),
            "actions": _actions(request.user, dossier),
            "is_applicant": is_applicant,
            "completion_request": supplement_request(dossier),
        },
    )


@login_required
def file_download(request, pk: int, file_pk: int):
    dossier = visible_dossier(request, pk)
    dossier_file = get_object_or_404(DossierFile, pk=file_pk, dossier=dossier)
    services.dossier_record_officer_read(
        dossier=dossier,
        actor=request.user,
        purpose=DossierAccessLog.Purpose.FILE,
        detail=dossier_file.original_name,
    )
    return FileResponse(
        dossier_file.file.open("rb"),
        as_attachment=True,
        filename=dossier_file.original_name,
        content_type=dossier_file.mime_type,
    )


@login_required
def document_download(request, pk: int, kind: str):
    """The latest printed form of a kind; printed now if the background worker has not done it yet."""
    dossier = visible_dossier(request, pk)
    if kind not in DOCUMENT_EVENTS:
        raise Http404
    if kind in OFFICER_ONLY_DOCUMENTS and not request.user.is_officer:
        raise Http404
    if kind == DocumentKind.CONTROL_SLIP:
        handover = dossier.handovers.order_by("-handed_at", "-id").first()
        event = handover.event if handover else None
    else:
        event = next(
            (e for e in reversed(list(dossier.events.all())) if e.action in DOCUMENT_EVENTS[kind]), None
        )
    if event is None:
        raise Http404
    document = services.dossier_document_generate(dossier_id=dossier.pk, kind=kind, event_id=event.pk)
    services.dossier_record_officer_read(
        dossier=dossier, actor=request.user, purpose=DossierAccessLog.Purpose.DOCUMENT, detail=kind
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=request.GET.get("xem") != "1",
        filename=document.download_name,
        content_type="application/pdf",
    )


@login_required
def transfer_file_download(request, pk: int, transfer_pk: int):
    """The coordinating agency's answer to a liên thông transfer (officers only)."""
    dossier = visible_dossier(request, pk)
    if not request.user.is_officer:
        raise Http404
    item = get_object_or_404(dossier.transfers, pk=transfer_pk)
    if not item.response_file:
        raise Http404
    return FileResponse(item.response_file.open("rb"), as_attachment=True, filename=item.response_file_name)
