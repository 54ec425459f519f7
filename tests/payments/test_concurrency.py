"""The same IPN delivered 20 times at once marks the payment paid once (the payment row lock)."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from dossiers.constants import EventAction
from dossiers.models import DossierEvent
from payments.constants import PaymentStatus, Verdict
from payments.models import Payment, PaymentEvent, ReceiptCounter, SimulatedTransaction
from payments.simulators.vnpay import ipn_params
from tests.dossiers.concurrency import in_parallel

from .conftest import start_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_deliveries_of_one_ipn_settle_once(province):
    assert connection.vendor == "postgresql"
    payment, _ = start_payment(province)
    txn = SimulatedTransaction.objects.create(
        provider="vnpay",
        reference=payment.reference,
        amount=payment.amount,
        status="00",
        transaction_no="55554444",
        data={"vnp_TmnCode": "DVCKHOA1", "vnp_OrderInfo": "Thanh toan"},
        created_at=payment.created_at,
    )
    params = ipn_params(txn, response_code="00", status="00")

    def deliver():
        return Client().get(reverse("payments:vnpay_ipn"), params).json()["RspCode"]

    answers = in_parallel(deliver, [()] * 20)
    assert sorted(answers) == ["00"] + ["02"] * 19, answers
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == PaymentStatus.PAID and payment.receipt_number == "0000001"
    assert ReceiptCounter.objects.get(agency=payment.agency).last_number == 1
    assert PaymentEvent.objects.filter(payment=payment, verdict=Verdict.ACCEPTED).count() == 1
    assert PaymentEvent.objects.filter(payment=payment, verdict=Verdict.DUPLICATE).count() == 19
    assert (
        DossierEvent.objects.filter(dossier_id=payment.dossier_id, action=EventAction.PAY_ONLINE).count() == 1
    )
