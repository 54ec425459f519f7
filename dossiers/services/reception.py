"""Reception at the one-stop desk: accept, refuse or ask to complete an online dossier; counter and postal
intake, which create the dossier already received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import Agency, Organisation, User
from portal.storage import atomic_with_files
from portal.working_time import load_calendar
from procedures.constants import Channel

from .. import deadlines, permissions, selectors
from ..constants import FINAL_STATES, ApplicantKind, DeliveryMethod, DocumentKind, DossierState, EventAction
from ..models import Dossier, DossierEvent, DossierHandover
from .codes import PROVISIONAL_PREFIX, reception_arguments
from .core import (
    bump_version,
    check_component,
    dossier_number,
    lock_dossier,
    reason_required,
    record_event,
    schedule_document,
    store_upload,
    transition,
)
from .filing import (
    ApplicantData,
    ComponentUpload,
    applicant_fields,
    check_delivery,
    check_fee_exemption,
    check_version_open,
    validate_applicant,
    validate_form_data,
)
from .handovers import DESK_DEPARTMENT, step_due

if TYPE_CHECKING:
    from procedures.models import Component, FeeExemption, ProcedureVersion


def _desk(actor: User, dossier: Dossier, agency: Agency | None) -> Agency:
    desks = permissions.intake_desks_of(actor, dossier)
    if not desks:
        raise NotPermitted("Bạn không có quyền tiếp nhận hồ sơ này.")
    if agency is not None:
        if agency.pk not in desks:
            raise NotPermitted("Bạn không tiếp nhận hồ sơ tại cơ quan này.")
        return agency
    return Agency.objects.get(pk=desks[0])


def _reception_of_submitted(locked: Dossier, *, actor: User, desk: Agency, at: dt.datetime) -> dict:
    """Receiving (or refusing) an online dossier keeps the code and lookup secret it got at submission; a
    dossier without them, or received by another desk than the one that numbered it, is numbered now."""
    if locked.code and locked.lookup_secret and locked.receiving_agency_id == desk.pk:
        return {
            "at": at,
            "by": actor,
            "agency": desk,
            "code": locked.code,
            "number": locked.register_number,
            "secret": locked.lookup_secret,
        }
    return reception_arguments(actor=actor, desk=desk, at=at, issue_code=False)


def _number_if_provisional(dossier: Dossier, *, desk: Agency, at: dt.datetime) -> None:
    """The last statement of a reception's transaction: a dossier not numbered at submission takes the desk's
    next code now, so the daily counter stays locked only until the commit that follows."""
    if dossier.code.startswith(PROVISIONAL_PREFIX):
        dossier_number(dossier=dossier, agency=desk, at=at)


def dossier_receive(
    *,
    dossier: Dossier,
    actor: User,
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Accept an online dossier at the desk (status 2, Được tiếp nhận; NĐ 118/2025/NĐ-CP, Điều 15): issue
    the dossier code and lookup secret, compute the appointment from the version's time limit for the
    channel on the working calendar, and print the receipt (TT 01/2018/TT-VPCP, Mẫu số 01)."""
    at = at or timezone.now()
    try:
        return _receive(dossier=dossier, actor=actor, agency=agency, expected_version=expected_version, at=at)
    except Conflict as exc:
        # The officer sent the same form again (a double click, a reload, a retry after a lost answer): their
        # reception already went through, so answer with it instead of a conflict, and issue no second code.
        already = _received_by(dossier, actor) if exc.code == "stale_dossier" else None
        if already is None:
            raise
        return already


def _received_by(dossier: Dossier, actor: User) -> Dossier | None:
    """The dossier, when it stands received and its reception was this officer's."""
    current = Dossier.objects.get(pk=dossier.pk)
    if current.received_at is None:
        return None
    received = DossierEvent.objects.filter(dossier=current, action=EventAction.RECEIVE, actor=actor)
    return current if received.exists() else None


def _receive(
    *, dossier: Dossier, actor: User, agency: Agency | None, expected_version: int | None, at: dt.datetime
) -> Dossier:
    with transaction.atomic():
        with transition(dossier, actor=actor, method="receive", expected_version=expected_version) as t:
            locked = t.dossier
            desk = _desk(actor, locked, agency)
            if locked.submitted_at and at < locked.submitted_at:
                raise ApplicationError(
                    "Thời điểm tiếp nhận không thể trước thời điểm nộp hồ sơ.", code="bad_time"
                )
            reception = _reception_of_submitted(locked, actor=actor, desk=desk, at=at)
            due = deadlines.appointment(
                locked.procedure_version.time_limit(locked.channel), at, load_calendar()
            )
            if locked.competent_agency_id is None or locked.receiving_agency_id != desk.pk:
                locked.competent_agency = selectors.competent_agency_for(
                    version=locked.procedure_version, desk=desk
                )
            event = t.apply(EventAction.RECEIVE, at=at, arguments={**reception, "due_at": due})
            _after_reception(locked, event, actor)
        _number_if_provisional(locked, desk=desk, at=at)
    return locked


def dossier_refuse(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Refuse an online dossier at reception (status 3) with the reason, and print the refusal form
    (Phiếu từ chối tiếp nhận, giải quyết hồ sơ, TT 01/2018/TT-VPCP Mẫu số 03).

    The refusal is the desk's reception decision, so the dossier gets its code here too: the register
    (Sổ theo dõi hồ sơ) lists it and the national portal receives it with status 3.
    """
    reason = reason_required(reason, what="lý do từ chối")
    at = at or timezone.now()
    with transaction.atomic():
        with transition(dossier, actor=actor, method="refuse", expected_version=expected_version) as t:
            desk = _desk(actor, t.dossier, agency)
            reception = _reception_of_submitted(t.dossier, actor=actor, desk=desk, at=at)
            event = t.apply(EventAction.REFUSE, at=at, arguments=reception, reason=reason)
            schedule_document(t.dossier, DocumentKind.REFUSAL, event)
        _number_if_provisional(t.dossier, desk=desk, at=at)
    return t.dossier


def dossier_refuse_fee_exemption(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The desk does not accept the target group the applicant claimed for a fee exemption or reduction
    (the proof is missing or does not fit): the full fee is owed again. Recorded as an event the applicant
    sees on their dossier (never on the public lookup page: the group is personal)."""
    reason = reason_required(reason, what="lý do không chấp nhận miễn, giảm")
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        if not permissions.intake_desks_of(actor, locked):
            raise NotPermitted("Bạn không có quyền tiếp nhận hồ sơ này.")
        if locked.state == DossierState.DRAFT or locked.state in FINAL_STATES:
            raise Conflict(
                "Chỉ xét miễn, giảm phí, lệ phí của hồ sơ đã nộp và chưa kết thúc.", code="not_at_reception"
            )
        if locked.granted_fee_exemption is None:
            raise Conflict(
                "Hồ sơ không có đề nghị miễn, giảm phí, lệ phí để từ chối.", code="no_exemption_claim"
            )
        exemption = locked.fee_exemption
        locked.fee_exemption_refused_at = at
        locked.fee_exemption_refusal = reason[:500]
        bump_version(locked, ["fee_exemption_refused_at", "fee_exemption_refusal"])
        record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.FEE_EXEMPTION_REFUSED,
            from_state=locked.state,
            at=at,
            reason=reason,
            payload={
                "exemption_id": exemption.pk,
                "group": exemption.group,
                "effect": exemption.effect,
                # The full fee now owed, for the notice to the applicant.
                "amount": str(filing_fee_total(locked)),
            },
            public=False,
        )
    return locked


def filing_fee_total(dossier: Dossier) -> Decimal:
    """The full fees payable when filing for the dossier's channel (fees fixed after appraisal come later)."""
    return sum(
        (
            f.amount
            for f in dossier.procedure_version.fees_for(dossier.channel)
            if f.amount > 0 and not f.due_after_appraisal
        ),
        Decimal(0),
    )


def dossier_request_completion(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    components: Iterable[Component] = (),
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """Ask the applicant to complete an online dossier before it is received (status 5), listing what
    and why (NĐ 118/2025/NĐ-CP, Điều 15: hướng dẫn hoàn thiện hồ sơ một lần, đầy đủ). No code is issued
    and no deadline runs; this does not count as a supplement request during processing."""
    reason = reason_required(
        reason, message="Nêu cụ thể nội dung cần bổ sung, hoàn thiện (ít nhất 10 ký tự)."
    )
    components = list(components)
    for component in components:
        check_component(dossier, component)
    at = at or timezone.now()
    with transition(
        dossier, actor=actor, method="request_completion", expected_version=expected_version
    ) as t:
        event = t.apply(
            EventAction.REQUEST_COMPLETION,
            at=at,
            arguments={"agency": _desk(actor, t.dossier, agency)},
            reason=reason,
            payload={"components": [{"id": c.pk, "name": c.name} for c in components]},
        )
        schedule_document(t.dossier, DocumentKind.SUPPLEMENT_REQUEST, event)
    return t.dossier


def dossier_receive_in_person(
    *,
    actor: User,
    agency: Agency,
    version: ProcedureVersion,
    channel: int,
    applicant: ApplicantData,
    form_data: dict,
    uploads: list[ComponentUpload],
    delivery_method: str,
    postal_address: str = "",
    set_count: int = 1,
    at: dt.datetime | None = None,
    submission: str = "",
    fee_exemption: FeeExemption | None = None,
) -> Dossier:
    """Counter (channel 1) or postal (channel 3) intake: the officer types the form and scans every
    paper; each scanned component is marked digitised (TT 01/2023/TT-VPCP). The dossier is created
    directly in `received` with its code, appointment and receipt — or not at all: a failed scan or a
    missing mandatory component leaves nothing behind, not even the stored files.

    `submission` identifies one filled-in form: sent again by the same officer, it returns the dossier it
    made the first time instead of a second dossier with a second code.

    `fee_exemption` is the listed target group (one of the version's) the officer saw proof of: the fee
    collected is the reduced one, and it is recorded on the dossier as an online claim would be."""
    if channel not in (Channel.COUNTER, Channel.POSTAL):
        raise ApplicationError("Kênh tiếp nhận không hợp lệ.", code="wrong_channel")
    if channel == Channel.POSTAL and not version.allows_postal:
        raise ApplicationError("Thủ tục này không tiếp nhận qua bưu chính.", code="not_postal")
    if agency.pk not in permissions.intake_agency_ids(actor):
        raise NotPermitted("Bạn không tiếp nhận hồ sơ tại cơ quan này.")
    check_version_open(version, online=False)
    if not permissions.desks_for_version(version).filter(pk=agency.pk).exists():
        raise ApplicationError(
            f"{agency.name} không tiếp nhận thủ tục này (thủ tục không tiếp nhận ngoài địa giới hành chính).",
            code="wrong_desk",
        )
    errors = validate_applicant(applicant)
    cleaned, form_errors = validate_form_data(version=version, data=form_data)
    errors.update({f"form_{k}": v for k, v in form_errors.items()})
    errors.update(check_delivery(version, delivery_method, postal_address))
    errors.update(check_fee_exemption(version, fee_exemption))
    for upload in uploads:
        if upload.component is not None and upload.component.version_id != version.pk:
            raise ApplicationError("Thành phần hồ sơ không thuộc thủ tục này.", code="wrong_component")
    given = {u.component.pk for u in uploads if u.component is not None}
    for component in selectors.components_of(version=version):
        if component.mandatory and component.pk not in given:
            errors[f"component_{component.pk}"] = f"Chưa quét giấy tờ: {component.name}."
    if set_count < 1:
        errors["set_count"] = "Số bộ hồ sơ phải từ 1 trở lên."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_intake", extra={"errors": errors})

    account = None
    organisation = None
    if applicant.kind == ApplicantKind.ORGANISATION:
        organisation = Organisation.objects.filter(tax_code=applicant.id_number.strip()).first()
    else:
        # Only an account whose identity was proven receives a dossier it did not file (see dossier_claim).
        account = User.objects.filter(
            cccd=applicant.id_number.strip(), identity_verified_at__isnull=False
        ).first()
    at = at or timezone.now()
    action = EventAction.RECEIVE_AT_COUNTER if channel == Channel.COUNTER else EventAction.RECEIVE_BY_POST
    with atomic_with_files() as files:
        if submission:
            earlier = _earlier_submission(actor, submission)
            if earlier is not None:
                return earlier
        dossier = Dossier.objects.create(
            procedure_version=version,
            channel=channel,
            applicant=account,
            organisation=organisation,
            created_by=actor,
            **applicant_fields(applicant),
            form_data=cleaned,
            set_count=set_count,
            receiving_agency=agency,
            competent_agency=selectors.competent_agency_for(
                version=version,
                desk=agency,
                applicant_unit_id=account.administrative_unit_id if account else None,
            ),
            delivery_method=delivery_method,
            postal_address=postal_address.strip() if delivery_method == DeliveryMethod.POST else "",
            fee_exemption=fee_exemption,
        )
        for upload in uploads:
            store_upload(
                dossier=dossier,
                component=upload.component,
                upload=upload.upload,
                actor=actor,
                digitised=True,
                files=files,
            )
        with transition(dossier, actor=actor, method="receive_in_person") as t:
            reception = reception_arguments(actor=actor, desk=agency, at=at, issue_code=False)
            due = deadlines.appointment(version.time_limit(channel), at, load_calendar())
            event = t.apply(
                action,
                at=at,
                arguments={**reception, "due_at": due},
                payload={
                    "digitised_files": len(uploads),
                    **({"submission": submission} if submission else {}),
                },
            )
            _after_reception(t.dossier, event, actor)
        dossier_number(dossier=t.dossier, agency=agency, at=at)
    return t.dossier


def _earlier_submission(actor: User, submission: str) -> Dossier | None:
    """The dossier this officer already made from the same filled-in form. The officer's row is locked so that
    two copies of one form are taken one after the other."""
    list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
    earlier = (
        DossierEvent.objects.filter(
            actor=actor,
            action__in=(EventAction.RECEIVE_AT_COUNTER, EventAction.RECEIVE_BY_POST),
            payload__submission=submission,
        )
        .select_related("dossier")
        .first()
    )
    return earlier.dossier if earlier is not None else None


def _after_reception(dossier: Dossier, event: DossierEvent, actor: User) -> None:
    """The first handover: the desk holds the dossier for the reception step (Bước 1)."""
    step = selectors.process_step(version=dossier.procedure_version, role=Role.INTAKE_OFFICER)
    DossierHandover.objects.create(
        dossier=dossier,
        event=event,
        action=event.action,
        step=step,
        from_user=dossier.applicant,
        from_agency=None,
        to_user=actor,
        to_agency=dossier.receiving_agency,
        to_department=(step.department if step else "") or DESK_DEPARTMENT,
        to_role=Role.INTAKE_OFFICER,
        handed_at=event.at,
        step_due_at=step_due(dossier, step, event.at, calendar=load_calendar()),
    )
    schedule_document(dossier, DocumentKind.RECEIPT, event)
