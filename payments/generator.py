"""Bulk payments for generated dossiers (the scale generator): for dossiers that owe a filing fee, a
deterministic (seeded) share paid online through each provider, with failed attempts before some of them,
receipt numbers from the agencies' series (counters moved on), the accepted notification as a payment event,
and the dossiers marked DuocThanhToanTrucTuyen. Dossiers waiting for an obligation get a pending payment.

Fast path for millions of rows: bulk inserts in chunks; no PDFs are rendered (a receipt PDF is made on demand
by the `payments.issue_receipt` task for any paid payment without one).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.constants import DossierState
from dossiers.models import Dossier, DossierObligation
from procedures.constants import Channel

from .constants import EventKind, PaymentKind, PaymentStatus, Provider, Verdict
from .models import Payment, PaymentEvent, ReceiptCounter
from .services import filing_fees

CHUNK = 2000
# Share of fee-paying online dossiers paid online, and how the paid ones split between providers.
ONLINE_SHARE = 0.62
PROVIDER_WEIGHTS = [(Provider.VNPAY, 0.6), (Provider.NATIONAL, 0.25), (Provider.VIETQR, 0.15)]
FAILED_FIRST_SHARE = 0.06
GENERATED_VERDICTS = {
    PaymentStatus.PAID: Verdict.ACCEPTED,
    PaymentStatus.FAILED: Verdict.FAILED,
    PaymentStatus.PENDING: Verdict.INFO,
}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _reference(rng: random.Random, at: dt.datetime) -> str:
    # 40 random bits from the dossier's own generator: unique in practice, the same on every run.
    return f"DVC{timezone.localtime(at):%y%m%d}{rng.getrandbits(40):010X}"


def generate_payments(*, dossier_ids: Iterable[int], seed: int) -> int:
    """Create payments for these dossiers; returns how many payments were created. Dossiers that already
    have a payment are skipped, so running it twice adds nothing."""
    ids = sorted(set(dossier_ids))
    created = 0
    for chunk in _chunks(ids):
        created += _generate_chunk(chunk, seed)
    return created


def _pick_provider(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for provider, weight in PROVIDER_WEIGHTS:
        acc += weight
        if roll < acc:
            return provider
    return PROVIDER_WEIGHTS[0][0]


@transaction.atomic
def _generate_chunk(ids: list[int], seed: int) -> int:
    dossiers = list(
        Dossier.objects.filter(pk__in=ids)
        .exclude(state=DossierState.DRAFT)
        .exclude(payments__isnull=False)
        .select_related("procedure_version")
        .prefetch_related("procedure_version__fees")
        .order_by("pk")
    )
    owed = {
        row["dossier_id"]: row
        for row in DossierObligation.objects.filter(dossier_id__in=ids, paid_at__isnull=True).values(
            "dossier_id", "amount", "description", "id"
        )
    }
    payments: list[Payment] = []
    paid_dossiers: list[int] = []
    for dossier in dossiers:
        # Each dossier draws from its own generator, so its outcome does not depend on the others.
        rng = random.Random(f"{seed}:{dossier.pk}")
        agency_id = dossier.competent_agency_id or dossier.receiving_agency_id
        if agency_id is None or not dossier.procedure_version.allows_online_payment:
            continue
        started = dossier.submitted_at or dossier.received_at or dossier.created_at
        if dossier.state == DossierState.AWAITING_PAYMENT and dossier.pk in owed:
            row = owed[dossier.pk]
            at = started + dt.timedelta(days=rng.randint(1, 5))
            payments.append(
                Payment(
                    dossier=dossier,
                    agency_id=agency_id,
                    kind=PaymentKind.OBLIGATION,
                    provider=_pick_provider(rng),
                    reference=_reference(rng, at),
                    amount=int(row["amount"]),
                    lines=[{"name": row["description"], "amount": int(row["amount"])}],
                    obligation_ids=[row["id"]],
                    payer_id=dossier.applicant_id,
                    payer_name=dossier.applicant_name or "Người nộp",
                    created_at=at,
                    expires_at=at + dt.timedelta(minutes=15),
                )
            )
            continue
        lines = filing_fees(dossier)
        if not lines or dossier.channel != Channel.ONLINE or rng.random() >= ONLINE_SHARE:
            continue
        amount = sum(line["amount"] for line in lines)
        provider = _pick_provider(rng)
        at = started - dt.timedelta(minutes=rng.randint(2, 30))
        common = {
            "dossier": dossier,
            "agency_id": agency_id,
            "kind": PaymentKind.FILING,
            "provider": provider,
            "amount": amount,
            "lines": lines,
            "payer_id": dossier.applicant_id,
            "payer_name": dossier.applicant_name or "Người nộp",
        }
        if rng.random() < FAILED_FIRST_SHARE:
            failed_at = at - dt.timedelta(minutes=rng.randint(5, 60))
            payments.append(
                Payment(
                    **common,
                    reference=_reference(rng, failed_at),
                    status=PaymentStatus.FAILED,
                    created_at=failed_at,
                    expires_at=failed_at + dt.timedelta(minutes=15),
                )
            )
        payments.append(
            Payment(
                **common,
                reference=_reference(rng, at),
                status=PaymentStatus.PAID,
                created_at=at,
                expires_at=at + dt.timedelta(minutes=15),
                paid_at=at + dt.timedelta(minutes=rng.randint(1, 5)),
                settled_by=EventKind.NOTIFICATION if rng.random() < 0.97 else EventKind.QUERY,
                transaction_no=f"{rng.getrandbits(32):010d}",
                receipt_token=secrets.token_urlsafe(16),
            )
        )
        paid_dossiers.append(dossier.pk)
    _number_receipts(payments)
    Payment.objects.bulk_create(payments, batch_size=1000)
    PaymentEvent.objects.bulk_create(
        [
            PaymentEvent(
                payment=p,
                provider=p.provider,
                kind=p.settled_by or EventKind.START,
                verdict=GENERATED_VERDICTS[p.status],
                reference=p.reference,
                at=p.paid_at or p.created_at,
                raw={"generated": True, "amount": p.amount},
            )
            for p in payments
        ],
        batch_size=1000,
    )
    dossier_services.dossiers_mark_paid_online(dossier_ids=paid_dossiers)
    return len(payments)


def _number_receipts(payments: list[Payment]) -> None:
    """Give paid payments consecutive numbers in their agency's yearly series, in time order, and move
    the counters (under their row locks) past them."""
    groups: dict[tuple[int, int], list[Payment]] = defaultdict(list)
    for p in payments:
        if p.status == PaymentStatus.PAID:
            groups[(p.agency_id, timezone.localdate(p.paid_at).year)].append(p)
    for (agency_id, year), rows in groups.items():
        counter, _ = ReceiptCounter.objects.get_or_create(agency_id=agency_id, year=year)
        counter = ReceiptCounter.objects.select_for_update().get(pk=counter.pk)
        for p in sorted(rows, key=lambda r: r.paid_at):
            counter.last_number += 1
            p.receipt_series = f"BL-{year % 100:02d}E"
            p.receipt_number = f"{counter.last_number:07d}"
        counter.save(update_fields=["last_number"])
