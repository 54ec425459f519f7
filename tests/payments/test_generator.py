"""The scale generator's payments: consistent with the dossiers' fees, numbered, repeatable."""

import pytest

from dossiers.models import Dossier
from payments.constants import PaymentStatus
from payments.generator import generate_payments
from payments.models import Payment, PaymentEvent, ReceiptCounter
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
