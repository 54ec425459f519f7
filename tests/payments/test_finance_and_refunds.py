"""What is owed and when submission waits for it, the payment box, the finance officer's day list and
Excel export, and refunds with a reason (partial ones recorded)."""

import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dossiers import services as dossier_services
from dossiers.constants import DeliveryMethod
from payments import services
from payments.constants import PaymentStatus
from payments.models import Payment, PaymentRefund, PaymentTerms, SimulatedTransaction
from payments.simulators.vnpay import ipn_params
from portal.errors import ApplicationError, Conflict, NotPermitted
from tests.dossiers.factories import draft

from .conftest import start_payment

pytestmark = pytest.mark.django_db


def _pay(client, payment, capture):
    txn = SimulatedTransaction.objects.create(
        provider="vnpay",
        reference=payment.reference,
        amount=payment.amount,
        status="00",
        transaction_no="99887766",
        data={"vnp_TmnCode": "DVCKHOA1"},
        created_at=payment.created_at,
    )
    with capture(execute=True):
        assert (
            client.get(
                reverse("payments:vnpay_ipn"), ipn_params(txn, response_code="00", status="00")
            ).json()["RspCode"]
            == "00"
        )
    payment.refresh_from_db()
    return payment


def test_submission_waits_for_the_fee_only_when_the_procedure_says_so(
    province, django_capture_on_commit_callbacks, client
):
    dossier = draft(province, province.citizen)
    dossier = dossier_services.dossier_set_delivery(
        dossier=dossier, actor=province.citizen, method=DeliveryMethod.DESK
    )
    assert dossier_services.submission_problems(dossier=dossier) == []
    terms = PaymentTerms.objects.create(procedure=province.version.procedure, pay_at_filing=True)
    problems = dossier_services.submission_problems(dossier=dossier)
    assert any("Chưa nộp phí, lệ phí" in p for p in problems)
    with pytest.raises(ApplicationError):
        dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    terms.desk_payment_allowed = True
    terms.save()
    assert dossier_services.submission_problems(dossier=dossier) == []
    terms.desk_payment_allowed = False
    terms.save()
    payment, _ = start_payment(province, dossier)
    _pay(client, payment, django_capture_on_commit_callbacks)
    assert dossier_services.submission_problems(dossier=dossier) == []
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    assert dossier.paid_online


def test_the_dossier_page_shows_what_is_owed_and_the_receipt(
    client, province, django_capture_on_commit_callbacks
):
    dossier = draft(province, province.citizen)
    client.force_login(province.citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert 'data-testid="payment-panel"' in page and "75.000 ₫" in page
    payment, _ = start_payment(province, dossier)
    _pay(client, payment, django_capture_on_commit_callbacks)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert f"Biên lai {payment.receipt_series}/{payment.receipt_number}" in page
    assert "Thanh toán qua VNPay" not in page  # nothing owed any more
    receipt = client.get(reverse("payments:receipt", args=[payment.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    verify = client.get(reverse("payments:receipt_verify", args=[payment.receipt_token]))
    assert payment.receipt_number in verify.content.decode()
    # nobody else sees it
    from tests.portal.factories import CitizenFactory

    client.force_login(CitizenFactory())
    assert client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 404
    assert client.get(reverse("payments:detail", args=[payment.reference])).status_code == 404


def test_finance_officer_sees_the_day_and_exports_it(client, province, django_capture_on_commit_callbacks):
    payment, _ = start_payment(province)
    _pay(client, payment, django_capture_on_commit_callbacks)
    other, _ = start_payment(province)
    client.force_login(province.finance)
    page = client.get(reverse("payments:finance")).content.decode()
    assert payment.reference in page and other.reference in page
    assert "14/10/2026" in page
    only_paid = client.get(reverse("payments:finance"), {"trang_thai": "paid"}).content.decode()
    assert payment.reference in only_paid and other.reference not in only_paid
    response = client.get(reverse("payments:finance_export"), {"ngay": "14/10/2026"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Mã giao dịch"
    exported = {r[0]: r for r in rows[1:]}
    assert exported[payment.reference][4] == 75000
    assert exported[payment.reference][8] == f"{payment.receipt_series}/{payment.receipt_number}"
    assert (
        client.get(reverse("payments:finance"), {"ngay": "13/10/2026"})
        .content.decode()
        .count(payment.reference)
        == 0
    )
    # another role is refused
    client.force_login(province.specialist)
    assert client.get(reverse("payments:finance")).status_code == 403


def test_refunds_need_a_refused_dossier_a_reason_and_the_finance_role(
    client, province, django_capture_on_commit_callbacks, simulators
):
    dossier = draft(province, province.citizen)
    dossier = dossier_services.dossier_set_delivery(
        dossier=dossier, actor=province.citizen, method=DeliveryMethod.DESK
    )
    payment, _ = start_payment(province, dossier)
    _pay(client, payment, django_capture_on_commit_callbacks)
    dossier = dossier_services.dossier_submit(dossier=dossier, actor=province.citizen)
    with pytest.raises(Conflict):
        services.payment_refund(
            payment=payment, actor=province.finance, amount=10000, reason="Hồ sơ bị từ chối"
        )
    dossier = dossier_services.dossier_refuse(
        dossier=dossier, actor=province.officer, reason="Không thuộc thẩm quyền giải quyết."
    )
    with pytest.raises(NotPermitted):
        services.payment_refund(
            payment=payment, actor=province.specialist, amount=10000, reason="Hồ sơ bị từ chối"
        )
    with pytest.raises(ApplicationError) as error:
        services.payment_refund(payment=payment, actor=province.finance, amount=payment.amount + 1, reason="")
    assert set(error.value.extra["errors"]) == {"amount", "reason"}
    services.payment_refund(
        payment=payment, actor=province.finance, amount=25000, reason="Từ chối tiếp nhận, hoàn một phần"
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED and payment.refunded_amount == 25000
    client.force_login(province.finance)
    response = client.post(
        reverse("payments:refund", args=[payment.pk]), {"amount": "50000", "reason": "Hoàn phần còn lại"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_amount == 75000
    assert list(PaymentRefund.objects.filter(payment=payment).values_list("amount", flat=True)) == [
        50000,
        25000,
    ]
    assert SimulatedTransaction.objects.get(reference=payment.reference).data["refunded"] == 75000
    assert Payment.objects.get(pk=payment.pk).refundable_amount == 0


def test_receipt_numbers_are_unique_per_agency_not_across_the_province(province):
    """Each agency registers its own receipt series; two agencies may both use the default symbol and both
    start at number 1, while one agency can never issue the same number twice."""
    dossier = draft(province, province.citizen)
    now = timezone.now()

    def receipt(agency, reference):
        return Payment.objects.create(
            dossier=dossier,
            agency=agency,
            kind="filing",
            provider="vnpay",
            reference=reference,
            amount=75000,
            payer_name="Nguyễn Văn Dân",
            status="paid",
            created_at=now,
            expires_at=now,
            paid_at=now,
            receipt_series="BL-26E",
            receipt_number="0000001",
        )

    receipt(province.department, "DVC261014A")
    receipt(province.centre, "DVC261014B")
    with pytest.raises(IntegrityError), transaction.atomic():
        receipt(province.department, "DVC261014C")
    assert Payment.objects.filter(receipt_series="BL-26E", receipt_number="0000001").count() == 2
