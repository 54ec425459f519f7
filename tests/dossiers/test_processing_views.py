"""Processing pages used with a plain browser (no JavaScript): each role acts from the dossier page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers.constants import DeliveryMethod, DocumentKind, DossierState
from dossiers.models import Dossier
from tests.portal.factories import CitizenFactory

from .factories import PDF_BYTES, awaiting_approval, forwarded, received, signing_ready

S = DossierState


def url(name, *args):
    return reverse(f"dossiers:{name}", args=args)


def test_each_role_moves_the_dossier_from_the_dossier_page(client, province):
    # given a dossier received at the desk and a signing certificate for the department
    signing_ready(province)
    dossier = received(province)

    # the desk sees "Chuyển xử lý" and forwards it
    client.force_login(province.officer)
    assert url("forward", dossier.pk) in client.get(url("detail", dossier.pk)).content.decode()
    response = client.post(url("forward", dossier.pk), {"version": dossier.version})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.ASSIGNED

    # the head picks the specialist in a list that shows each one's workload
    client.force_login(province.approver)
    page = client.get(url("assign", dossier.pk)).content.decode()
    assert "Võ Minh Xây (đang xử lý 0 hồ sơ)" in page
    client.post(url("assign", dossier.pk), {"version": dossier.version, "specialist": province.specialist.pk})
    dossier.refresh_from_db()
    assert dossier.current_handler == province.specialist

    # the specialist types the result; the system makes the PDF
    client.force_login(province.specialist)
    response = client.post(
        url("submit_for_approval", dossier.pk),
        {
            "version": dossier.version,
            "decision": "grant",
            "opinion": "Hồ sơ đầy đủ, hợp lệ, đủ điều kiện cấp phép.",
            "title": "Giấy phép xây dựng",
            "content": "Cấp phép xây dựng nhà ở riêng lẻ tại thửa 215.",
        },
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_APPROVAL

    # the head sees the proposal and its draft, approves and signs
    client.force_login(province.approver)
    page = client.get(url("approve", dossier.pk)).content.decode()
    assert "Hồ sơ đầy đủ, hợp lệ" in page and url("document", dossier.pk, "result_draft") in page
    draft = client.get(url("document", dossier.pk, "result_draft"))
    assert draft.status_code == 200 and b"".join(draft.streaming_content).startswith(b"%PDF")
    client.post(url("approve", dossier.pk), {"version": dossier.version})
    dossier.refresh_from_db()
    assert dossier.state == S.RESULT_READY

    # the desk hands the result over by post
    client.force_login(province.officer)
    response = client.post(
        url("deliver", dossier.pk),
        {"version": dossier.version, "method": DeliveryMethod.POST, "tracking_number": "EB123456789VN"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == S.DELIVERED and dossier.postal_tracking_number == "EB123456789VN"


def test_a_draft_without_content_shows_errors_next_to_the_fields(client, province):
    dossier = forwarded(province)
    client.force_login(province.approver)
    client.post(url("assign", dossier.pk), {"version": dossier.version, "specialist": province.specialist.pk})
    dossier.refresh_from_db()
    client.force_login(province.specialist)
    response = client.post(
        url("submit_for_approval", dossier.pk),
        {"version": dossier.version, "decision": "grant", "opinion": "ok"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Có lỗi cần sửa" in page
    assert "Nhập ý kiến thẩm định (ít nhất 10 ký tự)." in page
    assert "Tải lên dự thảo kết quả (PDF) hoặc nhập nội dung kết quả" in page
    assert 'aria-invalid="true"' in page
    assert Dossier.objects.get(pk=dossier.pk).state == S.APPRAISING


def test_an_uploaded_draft_must_be_a_pdf(client, province):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import png_upload

    dossier = forwarded(province)
    client.force_login(province.approver)
    client.post(url("assign", dossier.pk), {"version": dossier.version, "specialist": province.specialist.pk})
    dossier.refresh_from_db()
    client.force_login(province.specialist)
    data = {
        "version": dossier.version,
        "decision": "grant",
        "opinion": "Đủ điều kiện cấp phép.",
        "title": "GP",
    }
    response = client.post(url("submit_for_approval", dossier.pk), {**data, "upload": png_upload()})
    assert "không đúng định dạng" in response.content.decode()
    response = client.post(
        url("submit_for_approval", dossier.pk),
        {**data, "upload": SimpleUploadedFile("du-thao.pdf", PDF_BYTES, content_type="application/pdf")},
    )
    assert response.status_code == 302


def test_the_applicant_sees_the_result_but_not_working_papers(client, province):
    signing_ready(province)
    from dossiers import services

    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    client.force_login(province.citizen)
    page = client.get(url("detail", dossier.pk)).content.decode()
    assert url("document", dossier.pk, "result") in page
    assert "result_draft" not in page and "control_slip" not in page
    assert client.get(url("document", dossier.pk, "result_draft")).status_code == 404
    assert client.get(url("document", dossier.pk, "control_slip")).status_code == 404
    assert client.get(url("document", dossier.pk, "result")).status_code == 200


def test_officers_download_the_control_slip(client, province):
    dossier = forwarded(province)
    client.force_login(province.officer)
    response = client.get(url("document", dossier.pk, "control_slip"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert dossier.documents.filter(kind=DocumentKind.CONTROL_SLIP).count() == 1


@pytest.mark.parametrize("name", ["forward", "assign", "submit_for_approval", "approve", "deliver"])
def test_a_stranger_cannot_open_processing_pages(client, province, name):
    dossier = forwarded(province)
    client.force_login(CitizenFactory())
    assert client.get(url(name, dossier.pk)).status_code == 404


def test_an_officer_without_the_right_gets_a_message_not_a_change(client, province):
    dossier = forwarded(province)
    client.force_login(province.specialist)  # a specialist cannot assign
    response = client.post(
        url("assign", dossier.pk), {"version": dossier.version, "specialist": province.specialist.pk}
    )
    assert "Bạn không có quyền" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).state == S.ASSIGNED


@pytest.mark.parametrize(
    "model", ["dossierhandover", "dossiertransfer", "dossierapology", "dossiermessage", "dossierobligation"]
)
def test_the_admin_lists_processing_records_read_only(client, province, model):
    from tests.portal.factories import UserFactory

    forwarded(province)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(f"/quan-tri/dossiers/{model}/")
    assert listing.status_code == 200
    assert client.get(f"/quan-tri/dossiers/{model}/add/").status_code == 403


def test_the_api_gives_the_applicant_the_result_but_not_working_papers(client, province):
    from dossiers import services

    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    client.force_login(province.citizen)
    body = client.get(f"/api/ho-so/{dossier.pk}/").json()
    kinds = {d["kind"] for d in body["documents"]}
    assert DocumentKind.RESULT in kinds
    assert not kinds & {DocumentKind.RESULT_DRAFT, DocumentKind.CONTROL_SLIP}


def test_the_desk_takes_a_supplement_and_a_payment_through_the_pages(client, province):
    from decimal import Decimal

    from dossiers import services

    from .factories import appraising, png_upload

    # a supplement brought to the desk
    part = province.version.components.get(code="BAN_VE")
    dossier = services.dossier_request_supplement(
        dossier=appraising(province),
        actor=province.specialist,
        reason="Thiếu bản vẽ mặt cắt công trình.",
        components=[part],
    )
    client.force_login(province.officer)
    page = client.get(url("detail", dossier.pk)).content.decode()
    assert url("supplement_at_desk", dossier.pk) in page
    form = client.get(url("supplement_at_desk", dossier.pk)).content.decode()
    assert "Được yêu cầu bổ sung" in form and "Thiếu bản vẽ mặt cắt" in form
    response = client.post(
        url("supplement_at_desk", dossier.pk),
        {"version": dossier.version, f"component_{part.pk}": png_upload()},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == S.SUPPLEMENT_RECEIVED

    # a fee found after appraisal, paid at the desk
    client.force_login(province.specialist)
    dossier.refresh_from_db()
    response = client.post(
        url("request_payment", dossier.pk),
        {"version": dossier.version, "description": "Phí thẩm định", "amount": "1,5"},
    )
    assert "Nhập số tiền bằng chữ số, ví dụ 1250000." in response.content.decode()
    client.post(
        url("request_payment", dossier.pk),
        {"version": dossier.version, "description": "Phí thẩm định", "amount": "500000"},
    )
    dossier.refresh_from_db()
    assert dossier.state == S.AWAITING_PAYMENT
    client.force_login(province.citizen)
    assert "500.000 ₫" in client.get(url("detail", dossier.pk)).content.decode()
    client.force_login(province.officer)
    form = client.get(url("record_payment", dossier.pk)).content.decode()
    assert 'value="500000"' in form
    client.post(
        url("record_payment", dossier.pk),
        {"version": dossier.version, "amount": "500000", "receipt_number": "BL-77"},
    )
    dossier.refresh_from_db()
    assert dossier.state == S.APPRAISING and dossier.obligations.get().paid_amount == Decimal(500000)


def test_the_head_stops_processing_from_the_page(client, province):
    dossier = forwarded(province)
    client.force_login(province.approver)
    assert url("stop", dossier.pk) in client.get(url("detail", dossier.pk)).content.decode()
    response = client.post(url("stop", dossier.pk), {"version": dossier.version, "reason": "ngắn"})
    assert "ít nhất 10 ký tự" in response.content.decode()
    client.post(
        url("stop", dossier.pk),
        {"version": dossier.version, "reason": "Người nộp đề nghị dừng để điều chỉnh thiết kế."},
    )
    assert Dossier.objects.get(pk=dossier.pk).state == S.STOPPED
