"""VNPay IPN handling: forged, replayed, duplicated, out-of-order, wrong-amount and dropped notifications,
with the payment and the dossier checked after each."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from dossiers.constants import DossierState, EventAction
from dossiers.models import Dossier
from payments import services
from payments.constants import PaymentStatus, Verdict
from payments.contrib.vnpay import protocol as vnp
from payments.models import PaymentEvent, SimulatedTransaction
from payments.simulators.vnpay import ipn_params
from repository.models import StoredDocument
from tests.dossiers.factories import appraising

from .conftest import later, start_payment

pytestmark = pytest.mark.django_db


def _simulated(payment, *, status="00"):
    """The gateway's own record of the customer's payment (what the pay page writes)."""
    return SimulatedTransaction.objects.create(
        provider="vnpay",
        reference=payment.reference,
        amount=payment.amount,
        status=status,
        transaction_no="14123456",
        data={"vnp_TmnCode": "DVCKHOA1", "vnp_OrderInfo": "Thanh toan", "vnp_PayDate": "20261014093500"},
        created_at=payment.created_at,
    )


def _ipn(client, params):
    response = client.get(reverse("payments:vnpay_ipn"), params)
    assert response.status_code == 200
    return response.json()


def _paid_ipn(payment, **overrides):
    txn = _simulated(payment)
    params = ipn_params(txn, response_code="00", status="00")
    txn.delete()
    if overrides:
        params = {**params, **overrides}
        params["vnp_SecureHash"] = vnp.secure_hash(params, "development-only-vnpay-secret")
    return params


def test_the_pay_url_is_signed_v210_with_amount_times_100(province):
    payment, url = start_payment(province)
    query = dict(parse_qsl(urlsplit(url).query))
    assert payment.amount == 75000  # the online fee replaces the general one
    assert query["vnp_Amount"] == "7500000"
    assert query["vnp_Version"] == "2.1.0" and "vnp_SecureHashType" not in query
    assert query["vnp_CreateDate"].startswith("202610140930")  # 09:30 in Hồ Chí Minh City (GMT+7)
    assert vnp.verify(query, "development-only-vnpay-secret")


def test_a_verified_ipn_marks_paid_once_and_moves_nothing_twice(
    client, province, django_capture_on_commit_callbacks
):
    payment, _ = start_payment(province)
    params = _paid_ipn(payment)
    with django_capture_on_commit_callbacks(execute=True):
        assert _ipn(client, params) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.settled_by == "notification"
    assert payment.receipt_number == "0000001" and payment.receipt_pdf
    dossier = Dossier.objects.get(pk=payment.dossier_id)
    assert dossier.paid_online
    assert dossier.events.filter(action=EventAction.PAY_ONLINE).count() == 1
    # the receipt is in the applicant's Kho
    assert StoredDocument.objects.get(pk=payment.receipt_document_id).owner_user == province.citizen
    # duplicated / replayed later: "already confirmed", nothing changes
    assert _ipn(client, params)["RspCode"] == "02"
    assert _ipn(client, params)["RspCode"] == "02"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.receipt_number == "0000001"
    assert Dossier.objects.get(pk=dossier.pk).events.filter(action=EventAction.PAY_ONLINE).count() == 1
    verdicts = list(
        PaymentEvent.objects.filter(payment=payment, kind="notification").values_list("verdict", flat=True)
    )
    assert verdicts == [Verdict.ACCEPTED, Verdict.DUPLICATE, Verdict.DUPLICATE]


def test_a_forged_ipn_is_refused_with_97_and_logged(client, province):
    payment, _ = start_payment(province)
    params = _paid_ipn(payment)
    params["vnp_Amount"] = str(payment.amount * 100)
    params["vnp_SecureHash"] = "0" * 128
    assert _ipn(client, params) == {"RspCode": "97", "Message": "Invalid signature"}
    tampered = {**_paid_ipn(payment), "vnp_ResponseCode": "00", "vnp_TxnRef": payment.reference}
    tampered["vnp_BankCode"] = "EVIL"  # changed after signing
    assert _ipn(client, tampered)["RspCode"] == "97"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not Dossier.objects.get(pk=payment.dossier_id).paid_online
    assert PaymentEvent.objects.filter(verdict=Verdict.FORGED).count() == 2


def test_wrong_amount_is_refused_with_04(client, province):
    payment, _ = start_payment(province)
    params = _paid_ipn(payment, vnp_Amount=str((payment.amount - 1000) * 100))
    assert _ipn(client, params) == {"RspCode": "04", "Message": "invalid amount"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not Dossier.objects.get(pk=payment.dossier_id).paid_online


def test_unknown_reference_and_other_merchant_answer_01(client, province):
    payment, _ = start_payment(province)
    assert _ipn(client, _paid_ipn(payment, vnp_TxnRef="DVC000000NOPE"))["RspCode"] == "01"
    assert _ipn(client, _paid_ipn(payment, vnp_TmnCode="OTHERTMN"))["RspCode"] == "01"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_out_of_order_failure_after_success_changes_nothing(
    client, province, django_capture_on_commit_callbacks
):
    payment, _ = start_payment(province)
    with django_capture_on_commit_callbacks(execute=True):
        assert _ipn(client, _paid_ipn(payment))["RspCode"] == "00"
    failed = _paid_ipn(payment, vnp_ResponseCode="24", vnp_TransactionStatus="02")
    assert _ipn(client, failed)["RspCode"] == "02"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online


def test_a_late_success_after_a_failure_is_accepted(client, province, django_capture_on_commit_callbacks):
    payment, _ = start_payment(province)
    failed = _paid_ipn(payment, vnp_ResponseCode="24", vnp_TransactionStatus="02")
    assert _ipn(client, failed) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert not Dossier.objects.get(pk=payment.dossier_id).paid_online
    with django_capture_on_commit_callbacks(execute=True):
        assert _ipn(client, _paid_ipn(payment))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online


def test_a_dropped_ipn_is_found_by_reconciliation(
    province, simulators, clock, django_capture_on_commit_callbacks
):
    payment, _ = start_payment(province)
    _simulated(payment)  # the customer paid at the gateway; the IPN never arrived
    with django_capture_on_commit_callbacks(execute=True):
        assert services.payments_reconcile() == 0  # too young to query
    clock.move_to(later(25))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.payments_reconcile() == 1
    assert callbacks  # the query was scheduled through the outbox
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.settled_by == "query"
    assert payment.transaction_no == "14123456"
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online
    assert PaymentEvent.objects.filter(payment=payment, kind="query", verdict=Verdict.ACCEPTED).exists()


def test_reconciliation_expires_what_the_gateway_never_saw(
    province, simulators, clock, django_capture_on_commit_callbacks
):
    payment, _ = start_payment(province)
    clock.move_to(later(25))
    with django_capture_on_commit_callbacks(execute=True):
        services.payments_reconcile()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert not Dossier.objects.get(pk=payment.dossier_id).paid_online


def test_an_obligation_paid_online_resumes_processing(client, province, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from dossiers import services as dossier_services

    dossier = appraising(province)
    dossier = dossier_services.dossier_request_payment(
        dossier=dossier, actor=province.specialist, amount=Decimal(500000), description="Lệ phí trước bạ"
    )
    assert dossier.state == DossierState.AWAITING_PAYMENT and dossier.clock_stopped_at
    payment, _ = start_payment(province, dossier)
    assert payment.kind == "obligation" and payment.amount == 500000
    with django_capture_on_commit_callbacks(execute=True):
        assert _ipn(client, _paid_ipn(payment))["RspCode"] == "00"
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.APPRAISING
    assert dossier.paid_online and dossier.clock_stopped_at is None
    obligation = dossier.obligations.get()
    assert obligation.is_paid and obligation.payment_channel == "vnpay"
    assert dossier.events.filter(action=EventAction.RECORD_PAYMENT).exists()


def test_the_browser_return_never_marks_paid(client, province):
    payment, _ = start_payment(province)
    client.force_login(province.citizen)
    response = client.get(reverse("payments:vnpay_return"), _paid_ipn(payment))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    page = client.get(response["Location"])
    assert "Đang chờ xác nhận" in page.content.decode()


def test_a_second_payment_waits_for_the_first_and_a_double_payment_goes_to_review(
    client, province, clock, django_capture_on_commit_callbacks
):
    from payments.models import UnmatchedTransfer
    from portal.errors import Conflict

    first, _ = start_payment(province)
    dossier = first.dossier
    with pytest.raises(Conflict):
        start_payment(province, dossier)
    clock.move_to(later(16))  # the first one has expired at the portal, yet the customer may still pay it
    second, _ = start_payment(province, dossier)
    with django_capture_on_commit_callbacks(execute=True):
        assert _ipn(client, _paid_ipn(second))["RspCode"] == "00"
        assert _ipn(client, _paid_ipn(first))["RspCode"] == "00"  # late success: accepted, recorded
    first.refresh_from_db()
    assert first.status == PaymentStatus.PAID
    review = UnmatchedTransfer.objects.get(payment=first)
    assert "trùng" in review.problem
    assert Dossier.objects.get(pk=dossier.pk).events.filter(action=EventAction.PAY_ONLINE).count() == 2
