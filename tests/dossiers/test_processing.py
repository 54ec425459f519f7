"""Processing after reception: routing, assignment, appraisal, approval with a digital signature, delivery,
the rework loop, refusal after appraisal, and the handover log behind the control slip."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from dossiers import services
from dossiers.constants import Decision, DeliveryMethod, DocumentKind, DossierState, EventAction, Outcome
from dossiers.models import ArchiveRecord, Dossier, DossierHandover
from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from repository.constants import DocumentSource, VerificationStatus
from repository.models import StoredDocument
from repository.signing import verify_signed_pdf
from tests.portal.factories import AgencyFactory, officer_in

from .factories import (
    applicant_data,
    appraising,
    awaiting_approval,
    form_answers,
    forwarded,
    png_upload,
    received,
    result_draft,
    signing_ready,
    submitted,
)

pytestmark = pytest.mark.date_sensitive

S = DossierState
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Monday morning: every step below happens within working hours.
MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)


def electronic(province, *, at=MONDAY):
    """Filed online for electronic delivery, received at `at`."""
    from .factories import draft

    dossier = draft(province)
    dossier = services.dossier_set_delivery(
        dossier=dossier, actor=province.citizen, method=DeliveryMethod.ELECTRONIC
    )
    dossier = services.dossier_submit(dossier=dossier, actor=province.citizen, at=at - dt.timedelta(hours=1))
    return services.dossier_receive(dossier=dossier, actor=province.officer, at=at)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# ---- straight through ------------------------------------------------------------------------------------


def test_straight_through_to_an_electronic_result_that_verifies(province):
    # given a signing certificate for the department and an online dossier received on Monday morning
    signing_ready(province)
    dossier = electronic(province)
    assert dossier.current_agency == province.centre and dossier.current_handler == province.officer

    # when the desk forwards it, the head assigns the specialist, who submits a draft that the head signs
    dossier = services.dossier_forward(
        dossier=dossier, actor=province.officer, at=MONDAY + dt.timedelta(hours=1)
    )
    assert dossier.state == S.ASSIGNED and dossier.current_agency == province.department
    assert dossier.current_handler is None and dossier.current_role == Role.SPECIALIST
    dossier = services.dossier_assign(
        dossier=dossier,
        actor=province.approver,
        specialist=province.specialist,
        at=MONDAY + dt.timedelta(hours=2),
    )
    assert dossier.state == S.APPRAISING and dossier.current_handler == province.specialist
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft(), at=MONDAY + dt.timedelta(days=1)
    )
    assert dossier.state == S.AWAITING_APPROVAL and dossier.decision == Decision.GRANT
    dossier = services.dossier_approve(
        dossier=dossier, actor=province.approver, at=MONDAY + dt.timedelta(days=2)
    )

    # then the electronic result is in the applicant's Kho and the dossier is delivered (status 10)
    assert dossier.state == S.DELIVERED and dossier.national_status == 10
    assert dossier.finished_at == MONDAY + dt.timedelta(days=2) and dossier.delivered_at is not None
    actions = list(dossier.events.order_by("at", "id").values_list("action", flat=True))
    assert actions[-2:] == [EventAction.APPROVE, EventAction.DELIVER]
    result = dossier.documents.get(kind=DocumentKind.RESULT)
    stored = StoredDocument.objects.get(pk=result.kho_document_id)
    assert stored.owner_user == province.citizen and stored.source == DocumentSource.ISSUED_RESULT
    assert stored.origin_dossier_id == dossier.pk
    signed = result.file.read()
    verification = verify_signed_pdf(signed)
    assert verification.status == VerificationStatus.VALID
    assert verification.document == stored
    assert "GIẤY PHÉP XÂY DỰNG" in pdf_text(signed).upper()
    # and the finished dossier already has its retention period in the archive
    record = ArchiveRecord.objects.get(dossier=dossier)
    assert record.finished_on == dossier.finished_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert record.permanent or record.retain_until.year > dossier.finished_at.year


def test_a_tampered_result_fails_verification(province):
    # given a signed result
    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    signed = dossier.documents.get(kind=DocumentKind.RESULT).file.read()
    assert verify_signed_pdf(signed).is_valid

    # when one byte of the first content stream (inside the signed range) is changed
    position = signed.index(b"stream\n") + 40
    tampered = signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1 :]

    # then the verification says the document was modified after signing
    result = verify_signed_pdf(tampered)
    assert result.status == VerificationStatus.TAMPERED
    assert not result.is_valid


@pytest.mark.parametrize(
    ("method", "fields", "expected"),
    [
        (DeliveryMethod.DESK, {"collected_by": "Nguyễn Văn An"}, {"collected_by": "Nguyễn Văn An"}),
        (
            DeliveryMethod.POST,
            {"tracking_number": "eb 123456789 vn"},
            {"postal_tracking_number": "EB123456789VN"},
        ),
    ],
)
def test_the_desk_returns_a_paper_result(province, method, fields, expected):
    # given a signed result back at the desk for a dossier to be collected in person or by post
    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    assert dossier.state == S.RESULT_READY and dossier.national_status == 9
    assert dossier.current_agency == province.centre and dossier.current_role == Role.INTAKE_OFFICER

    # when the intake officer hands it over
    dossier = services.dossier_deliver(dossier=dossier, actor=province.officer, method=method, **fields)

    # then the dossier is delivered with who collected it or the tracking number
    assert dossier.state == S.DELIVERED
    for name, value in expected.items():
        assert getattr(dossier, name) == value
    assert dossier.current_agency is None


@pytest.mark.parametrize(
    ("method", "fields", "field"),
    [
        (DeliveryMethod.DESK, {"collected_by": ""}, "collected_by"),
        (DeliveryMethod.POST, {"tracking_number": "12"}, "tracking_number"),
    ],
)
def test_delivery_needs_who_collected_or_a_tracking_number(province, method, fields, field):
    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    with pytest.raises(ApplicationError) as error:
        services.dossier_deliver(dossier=dossier, actor=province.officer, method=method, **fields)
    assert field in error.value.extra["errors"]
    assert Dossier.objects.get(pk=dossier.pk).state == S.RESULT_READY


def test_a_walk_in_without_account_gets_a_signed_result_outside_the_kho(province):
    # given a counter dossier of an applicant with no account
    signing_ready(province)
    dossier = services.dossier_receive_in_person(
        actor=province.officer,
        agency=province.centre,
        version=province.version,
        channel=1,
        applicant=applicant_data(province.citizen, name="Phạm Thị Vãng Lai", id_number="056190000777"),
        form_data=form_answers(province.citizen, so_cccd="056190000777"),
        uploads=[services.ComponentUpload(component=province.components()[0], upload=png_upload())],
        delivery_method=DeliveryMethod.DESK,
    )
    assert dossier.applicant is None and dossier.organisation is None
    dossier = services.dossier_forward(dossier=dossier, actor=province.officer)
    dossier = services.dossier_assign(
        dossier=dossier, actor=province.approver, specialist=province.specialist
    )
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft()
    )

    # when the head signs
    dossier = services.dossier_approve(dossier=dossier, actor=province.approver)

    # then the signed result verifies but is not in anyone's Kho, and waits at the desk
    result = dossier.documents.get(kind=DocumentKind.RESULT)
    assert result.kho_document is None
    assert verify_signed_pdf(result.file.read()).is_valid
    assert dossier.state == S.RESULT_READY


def test_signing_needs_a_certificate(province):
    # given no signing certificate for the department
    dossier = awaiting_approval(province)
    # when the head approves, then a clear message says what is missing and nothing changes
    with pytest.raises(ApplicationError, match="chưa có chứng thư ký số"):
        services.dossier_approve(dossier=dossier, actor=province.approver)
    assert Dossier.objects.get(pk=dossier.pk).state == S.AWAITING_APPROVAL
    assert not dossier.documents.filter(kind=DocumentKind.RESULT).exists()


# ---- the rework loop and refusal after appraisal ------------------------------------------------------------


def test_rework_loop_returns_to_the_specialist_and_back(province):
    # given a draft awaiting approval
    signing_ready(province)
    dossier = awaiting_approval(province)
    # when the head returns it with what to redo
    dossier = services.dossier_return_for_rework(
        dossier=dossier, actor=province.approver, reason="Bổ sung căn cứ quy hoạch vào nội dung giấy phép."
    )
    # then the specialist who submitted holds it again
    assert dossier.state == S.RETURNED_FOR_REWORK and dossier.current_handler == province.specialist
    # and after a second draft the head signs it
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft(content="Nội dung đã sửa theo ý kiến.")
    )
    dossier = services.dossier_approve(dossier=dossier, actor=province.approver)
    assert dossier.state == S.RESULT_READY
    assert dossier.documents.filter(kind=DocumentKind.RESULT_DRAFT).count() == 2
    assert "Nội dung đã sửa theo ý kiến." in pdf_text(
        dossier.documents.get(kind=DocumentKind.RESULT).file.read()
    )
    actions = list(dossier.handovers.values_list("action", flat=True))
    assert actions.count(EventAction.SUBMIT_FOR_APPROVAL) == 2 and EventAction.RETURN_FOR_REWORK in actions


def test_return_for_rework_needs_a_reason(province):
    dossier = awaiting_approval(province)
    with pytest.raises(ApplicationError) as error:
        services.dossier_return_for_rework(dossier=dossier, actor=province.approver, reason="sửa")
    assert "reason" in error.value.extra["errors"]


def test_refusal_after_appraisal_is_a_signed_reasoned_result(province):
    # given the specialist proposes a refusal with its reason
    signing_ready(province)
    dossier = awaiting_approval(province, decision=Decision.REFUSE)
    assert dossier.decision == Decision.REFUSE
    # when the head signs it
    dossier = services.dossier_approve(dossier=dossier, actor=province.approver)
    # then the dossier is finished (status 9) with a signed refusal carrying the reason
    assert dossier.state == S.RESULT_READY and dossier.national_status == 9
    text = pdf_text(dossier.documents.get(kind=DocumentKind.RESULT).file.read())
    assert "TỪ CHỐI GIẢI QUYẾT" in text.upper() and "quy hoạch chi tiết" in text
    stored = dossier.documents.get(kind=DocumentKind.RESULT).kho_document
    assert stored.document_type_code.startswith("TUCHOI.") and stored.valid_to is None


def test_refusal_needs_a_reason(province):
    dossier = appraising(province)
    with pytest.raises(ApplicationError) as error:
        services.dossier_submit_for_approval(
            dossier=dossier, actor=province.specialist, draft=result_draft(Decision.REFUSE, opinion="không")
        )
    assert "opinion" in error.value.extra["errors"]


# ---- who may act ---------------------------------------------------------------------------------------------


def test_only_the_head_of_the_agency_assigns(province):
    dossier = forwarded(province)
    other_head = officer_in(AgencyFactory(), Role.APPROVER)
    for actor in (province.specialist, province.officer, other_head):
        with pytest.raises(NotPermitted):
            services.dossier_assign(dossier=dossier, actor=actor, specialist=province.specialist)


def test_assigning_someone_who_is_not_a_specialist_of_the_agency_is_refused(province):
    dossier = forwarded(province)
    outsider = officer_in(AgencyFactory(), Role.SPECIALIST)
    with pytest.raises(ApplicationError) as error:
        services.dossier_assign(dossier=dossier, actor=province.approver, specialist=outsider)
    assert "specialist" in error.value.extra["errors"]


def test_only_the_assigned_specialist_submits_a_draft(province):
    dossier = appraising(province)
    colleague = officer_in(province.department, Role.SPECIALIST)
    with pytest.raises(NotPermitted):
        services.dossier_submit_for_approval(dossier=dossier, actor=colleague, draft=result_draft())


def test_the_specialist_cannot_approve_their_own_draft(province):
    signing_ready(province)
    dossier = awaiting_approval(province)
    with pytest.raises(NotPermitted):
        services.dossier_approve(dossier=dossier, actor=province.specialist)


@pytest.mark.parametrize("service", ["dossier_forward", "dossier_approve"])
def test_processing_transitions_are_refused_from_the_wrong_state(province, service):
    dossier = submitted(province)
    actor = province.officer if service == "dossier_forward" else province.approver
    with pytest.raises(Conflict):
        getattr(services, service)(dossier=dossier, actor=actor)


def test_a_stale_form_is_refused(province):
    dossier = forwarded(province)
    stale = dossier.version - 1
    with pytest.raises(Conflict):
        services.dossier_assign(
            dossier=dossier, actor=province.approver, specialist=province.specialist, expected_version=stale
        )


# ---- assignment by workload ----------------------------------------------------------------------------------


def test_auto_assignment_picks_the_least_loaded_specialist(province):
    # given two specialists, the first already holding a dossier
    busy = province.specialist
    free = officer_in(province.department, Role.SPECIALIST, full_name="Trần Thị Rảnh")
    appraising(province)
    # when the head asks for automatic assignment
    dossier = services.dossier_assign(dossier=forwarded(province), actor=province.approver)
    # then the dossier goes to the one with less work
    assert dossier.current_handler == free and busy != free


def test_without_anyone_to_assign_the_system_assigns_on_forwarding(province):
    # given an agency without department heads
    province.approver.agency_memberships.update(active=False)
    # when the desk forwards a dossier
    dossier = forwarded(province)
    # then it lands with a specialist, by the system (no actor on the assignment event)
    assert dossier.state == S.APPRAISING and dossier.current_handler == province.specialist
    event = dossier.events.get(action=EventAction.ASSIGN)
    assert event.actor is None and event.payload["auto"] is True


def test_bulk_assignment_assigns_each_and_reports_refusals(province):
    # given two dossiers waiting for assignment and one still at the desk
    waiting = [forwarded(province), forwarded(province)]
    at_desk = received(province)
    # when the head assigns the three at once
    result = services.dossiers_assign_bulk(
        dossiers=[*waiting, at_desk], actor=province.approver, specialist=province.specialist
    )
    # then the two are assigned and the third is reported, untouched
    assert sorted(d.pk for d in result.assigned) == sorted(d.pk for d in waiting)
    assert list(result.failed) == [at_desk.pk]
    assert all(Dossier.objects.get(pk=d.pk).current_handler == province.specialist for d in waiting)
    assert Dossier.objects.get(pk=at_desk.pk).state == S.RECEIVED


# ---- handovers and the control slip --------------------------------------------------------------------------


def test_every_handover_is_recorded_with_its_step_deadline_and_outcome(province):
    # given a dossier of 12 working days (online) received Monday 08:00, each step done in time but the
    # specialist's appraisal (60% = 7.2 days) finishing on day 9
    signing_ready(province)
    dossier = electronic(province)
    dossier = services.dossier_forward(
        dossier=dossier, actor=province.officer, at=MONDAY + dt.timedelta(hours=2)
    )
    dossier = services.dossier_assign(
        dossier=dossier,
        actor=province.approver,
        specialist=province.specialist,
        at=MONDAY + dt.timedelta(hours=3),
    )
    dossier = services.dossier_submit_for_approval(
        dossier=dossier,
        actor=province.specialist,
        draft=result_draft(),
        at=dt.datetime(2026, 3, 12, 9, 0, tzinfo=TZ),  # Thursday of the second week
    )
    dossier = services.dossier_approve(
        dossier=dossier, actor=province.approver, at=dt.datetime(2026, 3, 12, 15, 0, tzinfo=TZ)
    )

    handovers = list(DossierHandover.objects.filter(dossier=dossier).order_by("handed_at", "id"))
    # then each hand-over is a row: reception, forward, assignment, submission, result to the desk, delivery
    assert [h.action for h in handovers] == [
        EventAction.RECEIVE,
        EventAction.FORWARD,
        EventAction.ASSIGN,
        EventAction.SUBMIT_FOR_APPROVAL,
        EventAction.APPROVE,
        EventAction.DELIVER,
    ]
    reception, forward, assign, submit, approve, deliver = handovers
    assert reception.to_agency == province.centre and reception.to_user == province.officer
    assert forward.to_agency == province.department and forward.to_department == "Phòng chuyên môn"
    # the reception step (10%) finished within its day: early; the appraisal step kept its deadline when the
    # head assigned it, and finished late
    assert reception.outcome == Outcome.EARLY
    assert assign.step_due_at == forward.step_due_at
    assert forward.outcome == Outcome.EARLY
    assert assign.outcome == Outcome.LATE
    assert submit.outcome in (Outcome.EARLY, Outcome.ON_TIME)
    assert deliver.completed_at == deliver.handed_at and deliver.to_role == Role.CITIZEN
    assert all(h.completed_at is not None for h in handovers)
    # step deadlines are shares of the 12 days and never after the appointment
    assert all(h.step_due_at <= dossier.due_at for h in handovers if h.step_due_at)


def test_handover_rows_are_append_only(province):
    dossier = forwarded(province)
    handover = dossier.handovers.first()
    with pytest.raises(TypeError):
        handover.save()
    with pytest.raises(TypeError):
        DossierHandover.objects.filter(pk=handover.pk).update(note="x")
    with pytest.raises(TypeError):
        DossierHandover.objects.filter(pk=handover.pk).delete()


def test_the_control_slip_lists_every_handover_with_its_outcome(province):
    # given a dossier handled straight through
    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    dossier = services.dossier_deliver(
        dossier=dossier, actor=province.officer, collected_by="Nguyễn Văn An", method="desk"
    )
    last = dossier.handovers.order_by("-handed_at", "-id").first()

    # when the control slip is printed
    document = services.dossier_document_generate(
        dossier_id=dossier.pk, kind=DocumentKind.CONTROL_SLIP, event_id=last.event_id
    )

    # then it names each handover and its outcome
    text = " ".join(pdf_text(document.file.read()).split())
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text.upper()
    assert dossier.code in text
    for handover in dossier.handovers.all():
        assert handover.get_action_display().split(",")[0] in text
    rows = dossier.handovers.count()
    outcomes = sum(text.count(label) for label in ("Trước hạn", "Đúng hạn", "Quá hạn"))
    assert outcomes >= rows  # one per row, plus the column header


@pytest.mark.django_db(transaction=True)
def test_two_heads_approving_at_once_sign_one_result(tmp_path, settings):
    """Parallel connections: two heads press "Phê duyệt và ký số" at the same moment; one result is signed."""
    from django.db import connection

    from .concurrency import approve_scenario, run_on_sqlite_file

    settings.MEDIA_ROOT = tmp_path / "media"
    result = run_on_sqlite_file("approve", tmp_path) if connection.vendor == "sqlite" else approve_scenario()
    assert sorted(result["outcomes"]) == ["approved", "conflict"]
    assert result["state"] == S.RESULT_READY
    assert (result["results"], result["kho_results"], result["approve_events"]) == (1, 1, 1)
