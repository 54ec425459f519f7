"""The scale generator's payments: consistent with the dossiers' fees, numbered, repeatable."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from dossiers.models import Dossier
from payments.constants import PaymentKind, PaymentStatus
from payments.generator import generate_payments
from payments.models import Payment, PaymentEvent, ReceiptCounter
from payments.services import filing_fees
from procedures.constants import Channel
from tests.dossiers.factories import draft, submitted

pytestmark = pytest.mark.django_db


def test_generated_payments_match_fees_receipts_and_dossiers(province):
    dossiers = [submitted(province) for _ in range(12)]
    unsubmitted = draft(province)
    ids = [d.pk for d in dossiers] + [unsubmitted.pk]
    created = generate_payments(dossier_ids=ids, seed=7)
    assert created == Payment.objects.count() > 0
    assert not Payment.objects.filter(dossier=unsubmitted).exists()
    paid = list(Payment.objects.filter(status=PaymentStatus.PAID).order_by("paid_at"))
    assert paid and all(
        p.amount == 75000 and p.lines == [{"name": "Lệ phí cấp giấy phép", "amount": 75000}] for p in paid
    )
    assert [p.receipt_number for p in paid] == [f"{n:07d}" for n in range(1, len(paid) + 1)]
    assert ReceiptCounter.objects.get(agency=province.department).last_number == len(paid)
    assert set(Dossier.objects.filter(paid_online=True).values_list("pk", flat=True)) == {
        p.dossier_id for p in paid
    }
    assert PaymentEvent.objects.count() == created
    # running it again adds nothing; the same seed on fresh dossiers makes the same choices
    assert generate_payments(dossier_ids=ids, seed=7) == 0


def _generated_rows() -> list[tuple]:
    """The generated payments without their database ids (a PostgreSQL sequence does not roll back)."""
    return [
        (
            p.dossier.code,
            p.agency.code,
            p.kind,
            p.provider,
            p.reference,
            p.status,
            p.amount,
            p.lines,
            p.created_at,
            p.paid_at,
            p.receipt_number,
            p.receipt_token,
            p.transaction_no,
            [(e.kind, e.verdict, e.at) for e in p.events.all()],
        )
        for p in Payment.objects.select_related("dossier", "agency")
        .prefetch_related("events")
        .order_by("reference")
    ]


def _generate_and_check(seed: int) -> list[tuple]:
    call_command(
        "generate_dossiers", "--count", "400", "--years", "1", "--communes", "4", "--workers", "1",
        "--seed", str(seed), stdout=io.StringIO(),
    )  # fmt: skip
    payments = list(Payment.objects.select_related("dossier__procedure_version"))
    assert payments, "the generated province has fee dossiers paid online"
    paid = [p for p in payments if p.status == PaymentStatus.PAID]
    assert paid and {p.kind for p in paid} == {PaymentKind.FILING}
    for p in paid:
        dossier = p.dossier
        fees = filing_fees(dossier)
        assert dossier.paid_online and dossier.procedure_version.allows_online_payment
        assert p.amount == sum(line["amount"] for line in fees) > 0 and p.lines == fees
        assert p.receipt_number and p.receipt_series and p.receipt_token and p.paid_at > p.created_at
    # no dossier is flagged paid online without a paid payment, and none is paid twice
    flagged = set(Dossier.objects.filter(paid_online=True).values_list("pk", flat=True))
    assert flagged == {p.dossier_id for p in paid} and len(flagged) == len(paid)
    # numbers run from 1 in each agency's yearly series, as its counter says
    series = {}
    for p in paid:
        series.setdefault(p.receipt_series, []).append(int(p.receipt_number))
    for numbers in series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert sum(ReceiptCounter.objects.values_list("last_number", flat=True)) == len(paid)
    assert PaymentEvent.objects.count() == len(payments)
    # the fee dossiers not paid online are counter or post dossiers, or the unpaid share of online ones
    assert Dossier.objects.filter(
        channel=Channel.ONLINE, procedure_version__allows_online_payment=True
    ).count() > len(paid)
    return _generated_rows()


def _same_seed_same_rows():
    with transaction.atomic():
        first = _generate_and_check(5)
        transaction.set_rollback(True)
    assert not Payment.objects.exists()
    again = _generate_and_check(5)
    assert again == first


def test_the_generator_pays_fee_dossiers_the_same_way_for_a_seed(clock):
    _same_seed_same_rows()


@pytest.mark.postgres
def test_the_generator_pays_fee_dossiers_through_copy_on_postgresql(clock):
    _same_seed_same_rows()
