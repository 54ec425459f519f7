"""The national payment platform (INIT → pay page → signed callback, QUERY) and VietQR transfers matched on
the bank's statement, each through its local simulator over the real message shapes."""

import json
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from payments.constants import PaymentStatus, TransferStatus, Verdict
from payments.contrib.national import protocol as ppf
from payments.contrib.vietqr import payload as qr
from payments.contrib.vietqr.plugin import statement_signature
from payments.models import PaymentEvent, UnmatchedTransfer
from payments.simulators.bank import statement_line
from payments.simulators.national import callback_message

from .conftest import later, start_payment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scheme", ["sha256", "hmac-sha256"])
def test_national_init_pay_and_signed_callback(
    client, province, simulators, settings, scheme, django_capture_on_commit_callbacks
):
    settings.PAYMENTS_NATIONAL_CHECKSUM = scheme
    payment, url = start_payment(province, provider="national")
    assert urlsplit(url).path == reverse("payments-simulator:national_pay", args=[payment.reference])
    client.force_login(province.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urlsplit(url).path, {"outcome": "pay"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.receipt_pdf
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online
    # the platform's callback was answered with a signed reply in the same scheme
    from payments.models import SimulatedTransaction

    answer = SimulatedTransaction.objects.get(reference=payment.reference).data["callback_answer"]
    assert answer["MaLoi"] == "00"
    assert ppf.verify(answer, ppf.REPLY_FIELDS, settings.PAYMENTS_NATIONAL_SECRET, scheme)


def test_national_callback_forged_duplicated_and_wrong_amount(
    client, province, simulators, settings, django_capture_on_commit_callbacks
):
    payment, url = start_payment(province, provider="national")
    from payments.models import SimulatedTransaction

    txn = SimulatedTransaction.objects.get(reference=payment.reference)
    txn.transaction_no = "PG1"
    message = callback_message(txn, code="00")

    def post(body):
        return client.post(
            reverse("payments:national_callback"), json.dumps(body), content_type="application/json"
        ).json()  # noqa: E731

    assert post({**message, "MaXacThuc": "0" * 64})["MaLoi"] == "01"
    wrong = ppf.sign(
        {**message, "SoTien": payment.amount + 1},
        ppf.CALLBACK_FIELDS,
        settings.PAYMENTS_NATIONAL_SECRET,
        "sha256",
    )
    assert post(wrong)["MaLoi"] == "03"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert post(message)["MaLoi"] == "00"
    assert post(message)["MaLoi"] == "04"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_national_dropped_callback_found_by_query(
    client, province, simulators, clock, django_capture_on_commit_callbacks
):
    from payments import services

    payment, url = start_payment(province, provider="national")
    client.force_login(province.citizen)
    client.post(urlsplit(url).path, {"outcome": "pay", "drop_callback": "1"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    clock.move_to(later(25))
    with django_capture_on_commit_callbacks(execute=True):
        services.payments_reconcile()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.settled_by == "query"


def _statement(client, body: bytes, signature: str | None = None):
    return client.post(
        reverse("payments:vietqr_statement"),
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature if signature is not None else statement_signature(body),
    )


def test_vietqr_payload_carries_amount_and_reference(province):
    payment, url = start_payment(province, provider="vietqr")
    assert url == ""
    payload = payment.provider_data["qr_payload"]
    assert qr.crc_valid(payload)
    fields = qr.parse(payload)
    assert fields["01"] == "12" and fields["54"] == str(payment.amount) and fields["53"] == "704"
    assert qr.parse(fields["62"])["08"] == payment.reference
    assert "3711000020001" in fields["38"]


def test_vietqr_matched_transfer_settles_and_mismatches_go_to_review(
    client, province, django_capture_on_commit_callbacks
):
    payment, _ = start_payment(province, provider="vietqr")
    # forged statement
    body = statement_line(
        account="3711000020001", amount=payment.amount, description=payment.reference, transaction_id="FT1"
    )
    assert _statement(client, body, signature="bad").status_code == 401
    # partial amount: review, not paid
    partial = statement_line(
        account="3711000020001",
        amount=payment.amount - 5000,
        description=f"nop phi {payment.reference}",
        transaction_id="FT2",
    )
    assert _statement(client, partial).json()["code"] == Verdict.WRONG_AMOUNT
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    review = UnmatchedTransfer.objects.get(bank_transaction_id="FT2")
    assert review.status == TransferStatus.REVIEW and review.agency == province.department
    # unknown reference: review too, attributed to the account's agency
    stray = statement_line(
        account="3711000020001", amount=10000, description="chuyen tien", transaction_id="FT3"
    )
    assert _statement(client, stray).json()["code"] == Verdict.UNKNOWN_REFERENCE
    assert UnmatchedTransfer.objects.get(bank_transaction_id="FT3").agency == province.department
    # the right transfer settles; the same statement line again changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert _statement(client, body).json()["code"] == Verdict.ACCEPTED
    assert _statement(client, body).json()["code"] == Verdict.DUPLICATE
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.transaction_no == "FT1"
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online
    assert not UnmatchedTransfer.objects.filter(bank_transaction_id="FT1").exists()
    # a second, different transfer for the paid fee is money to give back: review
    again = statement_line(
        account="3711000020001", amount=payment.amount, description=payment.reference, transaction_id="FT4"
    )
    assert _statement(client, again).json()["code"] == Verdict.DUPLICATE
    assert UnmatchedTransfer.objects.filter(bank_transaction_id="FT4").exists()
    assert PaymentEvent.objects.filter(provider="vietqr", verdict=Verdict.FORGED).count() == 1
