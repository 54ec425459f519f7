"""Inter-agency transfer (liên thông) and back, stopping processing (status 8), withdrawal during processing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers import permissions, services
from dossiers.constants import DossierState, EventAction
from dossiers.models import Dossier, DossierTransfer
from portal.constants import AgencyLevel, Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from tests.portal.factories import AgencyFactory, officer_in

from .factories import PDF_BYTES, appraising, awaiting_approval, received, result_draft, signing_ready

pytestmark = pytest.mark.date_sensitive

S = DossierState
REQUEST = "Đề nghị xác nhận thông tin quy hoạch sử dụng đất tại thửa đất số 215, tờ bản đồ số 12."
ANSWER = "Thửa đất 215 thuộc đất ở đô thị theo quy hoạch sử dụng đất đến năm 2030 đã được phê duyệt."


@pytest.fixture
def partner(province):
    """Another agency of the same province (another level is tested below) with its own specialist."""
    agency = AgencyFactory(
        name="Sở Nông nghiệp và Môi trường",
        level=AgencyLevel.PROVINCE,
        administrative_unit=province.unit,
        has_one_stop_desk=False,
    )
    return agency, officer_in(agency, Role.SPECIALIST, full_name="Cao Thị Đất")


def test_transfer_and_return_keep_the_code_and_the_appointment(province, partner):
    # given a dossier in appraisal at the department
    agency, partner_specialist = partner
    dossier = appraising(province)
    code, due = dossier.code, dossier.due_at
    assert not permissions.can_view(partner_specialist, dossier)

    # when the specialist transfers it with a request
    dossier = services.dossier_transfer(
        dossier=dossier, actor=province.specialist, to_agency=agency, request=REQUEST
    )

    # then it is with the other agency, which sees it and works on it; the sender's agency waits
    assert dossier.state == S.TRANSFERRED and dossier.national_status == 4
    assert dossier.current_agency == agency and dossier.current_handler is None
    assert permissions.can_view(partner_specialist, dossier)
    with pytest.raises(NotPermitted):
        services.dossier_return_transfer(dossier=dossier, actor=province.specialist, response=ANSWER)

    # when the other agency answers with a document
    upload = SimpleUploadedFile("van-ban-tra-loi.pdf", PDF_BYTES, content_type="application/pdf")
    dossier = services.dossier_return_transfer(
        dossier=dossier, actor=partner_specialist, response=ANSWER, upload=upload
    )

    # then the specialist who sent it holds it again; code and appointment never changed
    assert dossier.state == S.APPRAISING and dossier.current_handler == province.specialist
    assert dossier.current_agency == province.department
    assert (dossier.code, dossier.due_at) == (code, due)
    transfer = DossierTransfer.objects.get(dossier=dossier)
    assert transfer.returned_by == partner_specialist and transfer.response == ANSWER
    assert transfer.response_file.read() == PDF_BYTES
    actions = list(dossier.handovers.values_list("action", flat=True))
    assert actions[-2:] == [EventAction.TRANSFER, EventAction.RETURN_TRANSFER]
    # the other agency still sees the dossier it worked on
    assert permissions.can_view(partner_specialist, dossier)


def test_transfer_to_another_level(province):
    # given a commune agency with a specialist
    commune_specialist = officer_in(province.commune, Role.SPECIALIST)
    dossier = services.dossier_transfer(
        dossier=appraising(province), actor=province.specialist, to_agency=province.commune, request=REQUEST
    )
    assert dossier.current_agency == province.commune
    dossier = services.dossier_return_transfer(dossier=dossier, actor=commune_specialist, response=ANSWER)
    assert dossier.state == S.APPRAISING


def test_the_answer_cannot_be_due_after_the_appointment(province, partner):
    dossier = appraising(province)
    with pytest.raises(ApplicationError) as error:
        services.dossier_transfer(
            dossier=dossier,
            actor=province.specialist,
            to_agency=partner[0],
            request=REQUEST,
            due_at=dossier.due_at + dt.timedelta(days=1),
        )
    assert "due_at" in error.value.extra["errors"]


def test_transfer_to_the_same_agency_is_refused(province):
    with pytest.raises(ApplicationError) as error:
        services.dossier_transfer(
            dossier=appraising(province),
            actor=province.specialist,
            to_agency=province.department,
            request=REQUEST,
        )
    assert "to_agency" in error.value.extra["errors"]


def test_one_open_transfer_at_a_time(province, partner):
    dossier = services.dossier_transfer(
        dossier=appraising(province), actor=province.specialist, to_agency=partner[0], request=REQUEST
    )
    with pytest.raises(Conflict):
        services.dossier_transfer(
            dossier=dossier, actor=province.specialist, to_agency=province.commune, request=REQUEST
        )


def test_the_transfer_pages(client, province, partner):
    agency, partner_specialist = partner
    dossier = appraising(province)
    client.force_login(province.specialist)
    response = client.post(
        reverse("dossiers:transfer", args=[dossier.pk]),
        {"version": dossier.version, "to_agency": agency.pk, "request": REQUEST, "due_at": "2020-01-01"},
    )
    page = response.content.decode()
    assert "Hạn trả lời phải sau thời điểm chuyển." in page and 'id="id_due_at_error"' in page
    response = client.post(
        reverse("dossiers:transfer", args=[dossier.pk]),
        {"version": dossier.version, "to_agency": agency.pk, "request": REQUEST},
    )
    assert response.status_code == 302
    client.force_login(partner_specialist)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert reverse("dossiers:return_transfer", args=[dossier.pk]) in page and REQUEST in page
    response = client.post(
        reverse("dossiers:return_transfer", args=[dossier.pk]),
        {"version": Dossier.objects.get(pk=dossier.pk).version, "response": ANSWER},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == S.APPRAISING


# ---- stop -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["received", "appraising", "awaiting_approval", "supplement_requested"])
def test_the_head_stops_processing_with_a_reason(province, stage):
    # given a dossier at some stage of processing
    dossier = {
        "received": lambda: services.dossier_forward(dossier=received(province), actor=province.officer),
        "appraising": lambda: appraising(province),
        "awaiting_approval": lambda: awaiting_approval(province),
        "supplement_requested": lambda: services.dossier_request_supplement(
            dossier=appraising(province),
            actor=province.specialist,
            reason="Thiếu bản vẽ mặt cắt công trình.",
        ),
    }[stage]()
    # when the head of the competent agency stops it
    dossier = services.dossier_stop(
        dossier=dossier,
        actor=province.approver,
        reason="Người nộp không bổ sung hồ sơ trong thời hạn đã thông báo.",
    )
    # then it ends in status 8 with its reason, and no step stays open
    assert dossier.state == S.STOPPED and dossier.national_status == 8
    assert dossier.finished_at is not None and dossier.current_agency is None
    assert dossier.events.get(action=EventAction.STOP).reason.startswith("Người nộp không bổ sung")
    assert not dossier.handovers.filter(completed_at__isnull=True).exists()


def test_stopping_needs_a_reason_and_the_agency_leadership(province):
    dossier = appraising(province)
    with pytest.raises(ApplicationError):
        services.dossier_stop(dossier=dossier, actor=province.approver, reason="dừng")
    with pytest.raises(NotPermitted):
        services.dossier_stop(dossier=dossier, actor=province.specialist, reason="Lý do dừng xử lý đủ dài.")
    other_head = officer_in(AgencyFactory(), Role.APPROVER)
    with pytest.raises(NotPermitted):
        services.dossier_stop(dossier=dossier, actor=other_head, reason="Lý do dừng xử lý đủ dài.")


def test_a_finished_dossier_cannot_be_stopped(province):
    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    with pytest.raises(Conflict):
        services.dossier_stop(dossier=dossier, actor=province.approver, reason="Lý do dừng xử lý đủ dài.")


def test_withdrawal_during_processing_closes_the_open_step(province):
    dossier = appraising(province)
    dossier = services.dossier_withdraw(dossier=dossier, actor=province.citizen, reason="Không còn nhu cầu.")
    assert dossier.state == S.WITHDRAWN and dossier.current_handler is None
    assert not dossier.handovers.filter(completed_at__isnull=True).exists()
    assert dossier.finished_at <= timezone.now()


def test_the_specialist_submits_after_the_transfer(province, partner):
    signing_ready(province)
    agency, partner_specialist = partner
    dossier = services.dossier_transfer(
        dossier=appraising(province), actor=province.specialist, to_agency=agency, request=REQUEST
    )
    dossier = services.dossier_return_transfer(dossier=dossier, actor=partner_specialist, response=ANSWER)
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft()
    )
    dossier = services.dossier_approve(dossier=dossier, actor=province.approver)
    assert dossier.state == S.RESULT_READY
