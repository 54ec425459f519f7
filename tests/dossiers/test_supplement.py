"""Supplement requests during processing (status 5, clock stopped) and financial obligations (status 6)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from dossiers import selectors, services
from dossiers.constants import DocumentKind, DossierState, EventAction, Outcome
from dossiers.models import Dossier, DossierObligation
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.working_time import load_calendar
from tests.portal.factories import officer_in

from .factories import PDF_BYTES, appraising, pdf_upload, png_upload, result_draft, signing_ready

pytestmark = pytest.mark.date_sensitive

S = DossierState
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TUESDAY = dt.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)
REASON = (
    "Bản vẽ thiết kế thiếu mặt cắt công trình; đề nghị bổ sung bản vẽ mặt cắt có chữ ký của đơn vị thiết kế."
)


def component(province, code):
    return province.version.components.get(code=code)


def requested(province, *, at=TUESDAY, codes=("BAN_VE",)):
    dossier = appraising(province, at=at - dt.timedelta(hours=1))
    return services.dossier_request_supplement(
        dossier=dossier,
        actor=province.specialist,
        reason=REASON,
        components=[component(province, c) for c in codes],
        at=at,
    )


def test_supplement_then_completion_moves_the_appointment_by_the_time_waited(province):
    # given a dossier in appraisal; the specialist asks for the missing drawing on Tuesday 09:00
    dossier = requested(province)
    assert dossier.state == S.SUPPLEMENT_REQUESTED and dossier.national_status == 5
    assert dossier.supplement_count == 1 and dossier.clock_stopped_at == TUESDAY
    due_before = dossier.due_at
    # the clock is stopped: the time left does not shrink while waiting
    frozen = selectors.remaining_working_time(dossier=dossier, now=TUESDAY + dt.timedelta(days=7))
    assert frozen.minutes == load_calendar().working_minutes_between(TUESDAY, due_before)

    # when the applicant uploads the drawing and sends the dossier back on Thursday 09:00 (two working days)
    services.dossier_attach_file(
        dossier=dossier, actor=province.citizen, component=component(province, "BAN_VE"), upload=pdf_upload()
    )
    dossier = services.dossier_supplement_complete(
        dossier=dossier, actor=province.citizen, at=TUESDAY + dt.timedelta(days=2)
    )

    # then the specialist holds it again and the appointment moved by two working days; the original stays
    assert dossier.state == S.SUPPLEMENT_RECEIVED and dossier.current_handler == province.specialist
    assert dossier.clock_stopped_at is None
    calendar = load_calendar()
    assert calendar.working_minutes_between(due_before, dossier.due_at) == 2 * calendar.day_minutes
    assert dossier.original_due_at == due_before
    event = dossier.events.get(action=EventAction.SUPPLEMENT)
    assert event.payload["waited_minutes"] == 2 * calendar.day_minutes
    # the handover to the applicant had no deadline (clock stopped); the one back continues the step
    to_applicant, back = list(dossier.handovers.order_by("-handed_at", "-id")[:2])[::-1]
    assert to_applicant.step_due_at is None and to_applicant.outcome == ""
    assert back.to_user == province.specialist and back.step is not None
    # and the specialist can finish it
    services.dossier_submit_for_approval(dossier=dossier, actor=province.specialist, draft=result_draft())


def test_the_supplement_request_form_lists_what_and_why(province, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = requested(province)
    document = dossier.documents.get(kind=DocumentKind.SUPPLEMENT_REQUEST)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.file.read())).pages).split()
    )
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text.upper()
    assert dossier.code in text and "Bản vẽ thiết kế" in text and "mặt cắt" in text
    assert "lần 1" in text


def test_completion_is_refused_until_every_requested_component_is_supplied(province):
    dossier = requested(province)
    with pytest.raises(ApplicationError) as error:
        services.dossier_supplement_complete(dossier=dossier, actor=province.citizen)
    assert error.value.extra["problems"] == ["Chưa bổ sung: Bản vẽ thiết kế."]
    assert Dossier.objects.get(pk=dossier.pk).state == S.SUPPLEMENT_REQUESTED


def test_the_desk_takes_the_supplement_in_person_and_scans_it(province):
    dossier = requested(province)
    dossier = services.dossier_supplement_at_desk(
        dossier=dossier,
        actor=province.officer,
        uploads=[services.ComponentUpload(component=component(province, "BAN_VE"), upload=png_upload())],
        at=TUESDAY + dt.timedelta(days=1),
    )
    assert dossier.state == S.SUPPLEMENT_RECEIVED
    scan = dossier.files.get(component__code="BAN_VE")
    assert scan.digitised and scan.uploaded_by == province.officer


def test_another_desk_cannot_take_the_supplement(province):
    dossier = requested(province)
    with pytest.raises(NotPermitted):
        services.dossier_supplement_at_desk(
            dossier=dossier,
            actor=province.commune_officer,
            uploads=[services.ComponentUpload(component=component(province, "BAN_VE"), upload=png_upload())],
        )
    assert not dossier.files.filter(component__code="BAN_VE").exists()


def test_two_supplement_requests_count_as_late_in_the_index(province):
    # given a dossier asked twice to supplement, then finished well before its appointment
    signing_ready(province)
    dossier = requested(province)
    services.dossier_attach_file(
        dossier=dossier, actor=province.citizen, component=component(province, "BAN_VE"), upload=pdf_upload()
    )
    dossier = services.dossier_supplement_complete(
        dossier=dossier, actor=province.citizen, at=TUESDAY + dt.timedelta(hours=2)
    )
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=province.specialist, reason=REASON, at=TUESDAY + dt.timedelta(hours=3)
    )
    dossier = services.dossier_supplement_complete(
        dossier=dossier, actor=province.citizen, at=TUESDAY + dt.timedelta(hours=4)
    )
    assert dossier.supplement_count == 2
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft(), at=TUESDAY + dt.timedelta(hours=5)
    )
    dossier = services.dossier_approve(
        dossier=dossier, actor=province.approver, at=TUESDAY + dt.timedelta(hours=6)
    )
    # then the index counts it late although it finished early
    assert selectors.deadline_outcome(finished_at=dossier.finished_at, due_at=dossier.due_at) == Outcome.EARLY
    assert selectors.dossier_outcome(dossier=dossier) == Outcome.LATE


def test_a_component_held_in_the_kho_is_not_asked_again(province):
    # given the applicant holds a valid identity card of the component's type in Kho dữ liệu
    from repository.services import document_upload

    document_upload(
        actor=province.citizen,
        owner=province.citizen,
        file=SimpleUploadedFile("cccd.pdf", PDF_BYTES, content_type="application/pdf"),
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        title="Căn cước công dân",
    )
    dossier = appraising(province)
    # when the specialist asks for it again, then the request is refused with the reason
    with pytest.raises(ApplicationError) as error:
        services.dossier_request_supplement(
            dossier=dossier,
            actor=province.specialist,
            reason=REASON,
            components=[component(province, "CCCD")],
        )
    assert "đã có trong Kho dữ liệu" in error.value.extra["errors"]["components"]
    assert Dossier.objects.get(pk=dossier.pk).state == S.APPRAISING


@pytest.mark.parametrize("who", ["colleague", "approver", "citizen"])
def test_only_the_assigned_specialist_requests_a_supplement(province, who):
    dossier = appraising(province)
    actor = {
        "colleague": officer_in(province.department, "specialist"),
        "approver": province.approver,
        "citizen": province.citizen,
    }[who]
    with pytest.raises(NotPermitted):
        services.dossier_request_supplement(dossier=dossier, actor=actor, reason=REASON)


def test_after_reception_the_applicant_only_adds_files(province):
    dossier = requested(province)
    with pytest.raises(Conflict):
        services.dossier_update_applicant(
            dossier=dossier,
            actor=province.citizen,
            applicant=services.ApplicantData(
                name="Tên khác", id_number=province.citizen.cccd, address="Nơi khác"
            ),
            form_data={},
        )
    with pytest.raises(Conflict):
        services.dossier_set_delivery(dossier=dossier, actor=province.citizen, method="desk")
    received_file = dossier.files.first()
    with pytest.raises(Conflict):
        services.dossier_remove_file(dossier_file=received_file, actor=province.citizen)
    added = services.dossier_attach_file(
        dossier=dossier, actor=province.citizen, component=component(province, "BAN_VE"), upload=pdf_upload()
    )
    services.dossier_remove_file(dossier_file=added, actor=province.citizen)
    assert not dossier.files.filter(pk=added.pk).exists()


def test_the_applicant_supplements_online_through_the_pages(client, province):
    dossier = requested(province)
    client.force_login(province.citizen)
    detail = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "mặt cắt" in detail and reverse("dossiers:edit", args=[dossier.pk]) in detail
    edit = client.get(reverse("dossiers:edit", args=[dossier.pk])).content.decode()
    assert "Cơ quan giải quyết đề nghị bổ sung" in edit
    assert reverse("dossiers:edit_applicant", args=[dossier.pk]) not in edit
    part = component(province, "BAN_VE")
    client.post(
        reverse("dossiers:edit_component", args=[dossier.pk, part.pk]),
        {"version": Dossier.objects.get(pk=dossier.pk).version, "file": pdf_upload("mat-cat.pdf")},
    )
    review = client.get(reverse("dossiers:review", args=[dossier.pk])).content.decode()
    assert "Gửi hồ sơ đã bổ sung" in review
    client.post(
        reverse("dossiers:review", args=[dossier.pk]), {"version": Dossier.objects.get(pk=dossier.pk).version}
    )
    assert Dossier.objects.get(pk=dossier.pk).state == S.SUPPLEMENT_RECEIVED


def test_the_officer_sees_what_the_applicant_holds_when_asking(client, province):
    dossier = appraising(province)
    client.force_login(province.specialist)
    page = client.get(reverse("dossiers:request_supplement", args=[dossier.pk])).content.decode()
    assert 'data-testid="held-by-applicant"' in page
    response = client.post(
        reverse("dossiers:request_supplement", args=[dossier.pk]),
        {"version": dossier.version, "reason": "thiếu"},
    )
    assert "ít nhất 10 ký tự" in response.content.decode()


# ---- financial obligation -----------------------------------------------------------------------------------


def test_payment_after_appraisal_then_recorded_at_the_desk(province, settings):
    # given the specialist finds a fee due after appraisal
    settings.DOSSIER_PAYMENT_STOPS_CLOCK = True
    dossier = appraising(province, at=TUESDAY - dt.timedelta(hours=1))
    dossier = services.dossier_request_payment(
        dossier=dossier,
        actor=province.specialist,
        amount=Decimal(1250000),
        description="Lệ phí trước bạ nhà, đất",
        at=TUESDAY,
    )
    assert dossier.state == S.AWAITING_PAYMENT and dossier.national_status == 6
    assert dossier.clock_stopped_at == TUESDAY
    due_before = dossier.due_at

    # when the desk records a wrong amount, then it is refused with the amount owed
    with pytest.raises(ApplicationError) as error:
        services.dossier_record_payment(
            dossier=dossier, actor=province.officer, amount=Decimal(1000000), receipt_number="0001234"
        )
    assert "1.250.000 ₫" in error.value.extra["errors"]["amount"]

    # when the desk records the payment one working day later with its receipt
    dossier = services.dossier_record_payment(
        dossier=dossier,
        actor=province.officer,
        amount=Decimal(1250000),
        receipt_number="BL-0001234",
        at=TUESDAY + dt.timedelta(days=1),
    )

    # then the specialist holds it again, the obligation is paid and the wait is not counted
    assert dossier.state == S.APPRAISING and dossier.current_handler == province.specialist
    obligation = DossierObligation.objects.get(dossier=dossier)
    assert obligation.is_paid and obligation.receipt_number == "BL-0001234"
    calendar = load_calendar()
    assert calendar.working_minutes_between(due_before, dossier.due_at) == calendar.day_minutes


def test_with_the_setting_off_the_clock_runs_while_waiting_for_payment(province, settings):
    settings.DOSSIER_PAYMENT_STOPS_CLOCK = False
    dossier = services.dossier_request_payment(
        dossier=appraising(province),
        actor=province.specialist,
        amount=Decimal(50000),
        description="Phí thẩm định",
    )
    assert dossier.clock_stopped_at is None
    due = dossier.due_at
    dossier = services.dossier_record_payment(
        dossier=dossier, actor=province.officer, amount=Decimal(50000), receipt_number="BL01"
    )
    assert dossier.due_at == due


@pytest.mark.parametrize(("amount", "field"), [(Decimal(0), "amount"), (Decimal("10.5"), "amount")])
def test_a_payment_request_needs_a_whole_positive_amount(province, amount, field):
    with pytest.raises(ApplicationError) as error:
        services.dossier_request_payment(
            dossier=appraising(province), actor=province.specialist, amount=amount, description="Lệ phí"
        )
    assert field in error.value.extra["errors"]
