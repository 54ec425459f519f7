"""Bulk payments for generated dossiers (the scale generator): for dossiers that owe a filing fee, a
deterministic (seeded) share paid online through each provider, with failed attempts before some of them,
receipt numbers from the agencies' series (counters moved on), the accepted notification as a payment event,
and the dossiers marked DuocThanhToanTrucTuyen. Dossiers waiting for an obligation get a pending payment.

Registered as a generator step (`payments.apps`): `manage.py generate_dossiers` runs it over the generated id
range. Fast path for millions of rows: the dossiers are read as tuples in blocks, the fee lines computed once
per procedure version and channel, and payments and events written with `GeneratedRun.write` (COPY on
PostgreSQL) under ids taken in advance; no PDFs are rendered (a receipt PDF is made on demand by the
`payments.issue_receipt` task for any paid payment without one).

The same seed over the same dossiers gives the same rows: each dossier draws from its own generator, and the
receipt tokens are keyed hashes of the reference (unguessable without SECRET_KEY, repeatable with it).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.utils import timezone

from dossiers.constants import DossierState
from dossiers.generator import GeneratedRun
from dossiers.models import Dossier, DossierObligation
from procedures.constants import Channel
from procedures.models import Fee, FeeExemption, ProcedureVersion

from .constants import EventKind, PaymentKind, PaymentStatus, Provider, Verdict
from .models import Payment, PaymentEvent, ReceiptCounter
from .services import fee_lines

logger = logging.getLogger(__name__)

CHUNK = 20000
# Share of fee-paying online dossiers paid online, and how the paid ones split between providers.
ONLINE_SHARE = 0.62
PROVIDER_WEIGHTS = [(Provider.VNPAY, 0.6), (Provider.NATIONAL, 0.25), (Provider.VIETQR, 0.15)]
FAILED_FIRST_SHARE = 0.06
GENERATED_VERDICTS = {
    PaymentStatus.PAID: Verdict.ACCEPTED,
    PaymentStatus.FAILED: Verdict.FAILED,
    PaymentStatus.PENDING: Verdict.INFO,
}
DOSSIER_COLUMNS = (
    "pk",
    "state",
    "channel",
    "procedure_version_id",
    "competent_agency_id",
    "receiving_agency_id",
    "submitted_at",
    "received_at",
    "created_at",
    "applicant_id",
    "applicant_name",
    "fee_exemption_id",
    "fee_exemption_refused_at",
)


def payments_for_generated(run: GeneratedRun) -> None:
    """The generator step: payments for the dossiers of this run."""
    started = time.perf_counter()
    created = _generate(run, _id_blocks_of_range(run.first_dossier_id, run.last_dossier_id))
    logger.info("Generated %s payments in %.1f s", created, time.perf_counter() - started)


def generate_payments(*, dossier_ids: Iterable[int], seed: int) -> int:
    """Create payments for these dossiers; returns how many payments were created. Dossiers that already
    have a payment are skipped, so running it twice adds nothing."""
    ids = sorted(set(dossier_ids))
    if not ids:
        return 0
    run = GeneratedRun(
        seed=seed,
        now=timezone.now(),
        first_dossier_id=ids[0],
        last_dossier_id=ids[-1],
        count=len(ids),
        tz=timezone.get_current_timezone(),
    )
    return _generate(run, (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)))


def _id_blocks_of_range(first: int, last: int) -> Iterator[tuple[int, int]]:
    for start in range(first, last + 1, CHUNK):
        yield (start, min(start + CHUNK - 1, last))


def _pick_provider(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for provider, weight in PROVIDER_WEIGHTS:
        acc += weight
        if roll < acc:
            return provider
    return PROVIDER_WEIGHTS[0][0]


def _reference(rng: random.Random, at: dt.datetime, tz) -> str:
    # 40 random bits from the dossier's own generator: unique in practice, the same on every run.
    return f"DVC{at.astimezone(tz):%y%m%d}{rng.getrandbits(40):010X}"


def _receipt_token(reference: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"receipt:{reference}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


class _Fees:
    """Payable fee lines per (version, channel), and the versions that take online payment, computed once."""

    def __init__(self) -> None:
        self.online: dict[int, bool] = {}
        self.rows: dict[int, ProcedureVersion] = {}
        self.lines: dict[tuple[int, int], list[dict]] = {}
        self.exemptions: dict[int, FeeExemption] = {}

    def load(self, version_ids: set[int], exemption_ids: set[int]) -> None:
        missing = version_ids - set(self.rows)
        if missing:
            for version in ProcedureVersion.objects.filter(pk__in=missing).prefetch_related(
                Prefetch("fees", queryset=Fee.objects.order_by("pk"))
            ):
                self.rows[version.pk] = version
                self.online[version.pk] = version.allows_online_payment
        missing = exemption_ids - set(self.exemptions)
        if missing:
            self.exemptions.update(FeeExemption.objects.in_bulk(missing))

    def for_dossier(self, version_id: int, channel: int, exemption_id: int | None) -> list[dict]:
        if exemption_id is not None:
            return fee_lines(self.rows[version_id].fees_for(channel), self.exemptions[exemption_id])
        key = (version_id, channel)
        if key not in self.lines:
            self.lines[key] = fee_lines(self.rows[version_id].fees_for(channel), None)
        return self.lines[key]


class _Writer:
    """Ids taken in advance, receipt counters kept in memory and written back at the end."""

    def __init__(self, run: GeneratedRun) -> None:
        self.run = run
        self.next_payment = (Payment.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.next_event = (PaymentEvent.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        self.counters: dict[tuple[int, int], int] = {}
        self.loaded: set[tuple[int, int]] = set()

    def number(self, payments: list[dict]) -> None:
        """Consecutive numbers in each agency's yearly series, in time order (within a block of dossiers)."""
        groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
        tz = self.run.tz
        for p in payments:
            if p["status"] == PaymentStatus.PAID:
                groups[(p["agency_id"], p["paid_at"].astimezone(tz).year)].append(p)
        wanted = set(groups) - self.loaded
        if wanted:
            for agency_id, year, last in ReceiptCounter.objects.filter(
                agency_id__in={a for a, _ in wanted}, year__in={y for _, y in wanted}
            ).values_list("agency_id", "year", "last_number"):
                self.counters.setdefault((agency_id, year), last)
            self.loaded |= wanted
        for (agency_id, year), rows in groups.items():
            last = self.counters.get((agency_id, year), 0)
            # One series per agency and year, so numbers never collide between agencies.
            series = f"BL{agency_id}-{year % 100:02d}E"[:20]
            for p in sorted(rows, key=lambda r: (r["paid_at"], r["id"])):
                last += 1
                p["receipt_series"] = series
                p["receipt_number"] = f"{last:07d}"
            self.counters[(agency_id, year)] = last

    def save_counters(self) -> None:
        if not self.counters:
            return
        with transaction.atomic():
            existing = {
                (c.agency_id, c.year): c
                for c in ReceiptCounter.objects.select_for_update().filter(
                    agency_id__in={a for a, _ in self.counters}
                )
            }
            new = []
            for (agency_id, year), last in self.counters.items():
                counter = existing.get((agency_id, year))
                if counter is None:
                    new.append(ReceiptCounter(agency_id=agency_id, year=year, last_number=last))
                elif counter.last_number < last:
                    counter.last_number = last
                    counter.save(update_fields=["last_number"])
            ReceiptCounter.objects.bulk_create(new)


def _generate(run: GeneratedRun, blocks: Iterable) -> int:
    writer = _Writer(run)
    fees = _Fees()
    created = 0
    for block in blocks:
        created += _generate_block(run, writer, fees, block)
    writer.save_counters()
    run.reset_sequences(Payment, PaymentEvent)
    return created


def _dossiers_of(block) -> tuple[list[tuple], dict[int, list[dict]], set[int]]:
    if isinstance(block, tuple):
        dossiers = Dossier.objects.filter(pk__range=block)
        has_payment = Payment.objects.filter(dossier_id__gte=block[0], dossier_id__lte=block[1])
        obligations = DossierObligation.objects.filter(dossier_id__gte=block[0], dossier_id__lte=block[1])
    else:
        dossiers = Dossier.objects.filter(pk__in=block)
        has_payment = Payment.objects.filter(dossier_id__in=block)
        obligations = DossierObligation.objects.filter(dossier_id__in=block)
    # Only what may owe online: online dossiers and those waiting for an obligation, of procedures that take
    # online payment (each dossier draws from its own generator, so leaving the others out changes nothing).
    rows = list(
        dossiers.exclude(state=DossierState.DRAFT)
        .filter(Q(channel=Channel.ONLINE) | Q(state=DossierState.AWAITING_PAYMENT))
        .filter(procedure_version__allows_online_payment=True)
        .order_by("pk")
        .values_list(*DOSSIER_COLUMNS)
    )
    owed: dict[int, list[dict]] = defaultdict(list)
    for row in (
        obligations.filter(paid_at__isnull=True, dossier__state=DossierState.AWAITING_PAYMENT)
        .order_by("id")
        .values("dossier_id", "amount", "description", "id")
    ):
        owed[row["dossier_id"]].append(row)
    return rows, owed, set(has_payment.values_list("dossier_id", flat=True).distinct())


def _generate_block(run: GeneratedRun, writer: _Writer, fees: _Fees, block) -> int:
    rows, owed, skip = _dossiers_of(block)
    fees.load({r[3] for r in rows}, {r[11] for r in rows if r[11] is not None and r[12] is None})
    tz = run.tz or timezone.get_current_timezone()
    payments: list[dict] = []
    paid_dossiers: list[int] = []
    for (
        pk,
        state,
        channel,
        version_id,
        competent_id,
        receiving_id,
        submitted_at,
        received_at,
        created_at,
        applicant_id,
        applicant_name,
        exemption_id,
        exemption_refused_at,
    ) in rows:
        agency_id = competent_id or receiving_id
        if pk in skip or agency_id is None or not fees.online[version_id]:
            continue
        # Each dossier draws from its own generator, so its outcome does not depend on the others.
        rng = random.Random(f"{run.seed}:{pk}")
        started = submitted_at or received_at or created_at
        common = {
            "dossier_id": pk,
            "agency_id": agency_id,
            "payer_id": applicant_id,
            "payer_name": applicant_name or "Người nộp",
        }
        if state == DossierState.AWAITING_PAYMENT and pk in owed:
            obligations = owed[pk]
            at = started + dt.timedelta(days=rng.randint(1, 5))
            payments.append(
                {
                    **common,
                    "kind": PaymentKind.OBLIGATION,
                    "provider": _pick_provider(rng),
                    "reference": _reference(rng, at, tz),
                    "amount": int(sum(o["amount"] for o in obligations)),
                    "lines": [{"name": o["description"], "amount": int(o["amount"])} for o in obligations],
                    "obligation_ids": [o["id"] for o in obligations],
                    "status": PaymentStatus.PENDING,
                    "created_at": at,
                    "expires_at": at + dt.timedelta(minutes=15),
                }
            )
            continue
        if channel != Channel.ONLINE:
            continue
        granted = exemption_id if exemption_refused_at is None else None
        lines = fees.for_dossier(version_id, channel, granted)
        amount = sum(line["amount"] for line in lines)
        if amount <= 0 or rng.random() >= ONLINE_SHARE:
            continue
        provider = _pick_provider(rng)
        at = started - dt.timedelta(minutes=rng.randint(2, 30))
        common.update(kind=PaymentKind.FILING, provider=provider, amount=amount, lines=lines)
        if rng.random() < FAILED_FIRST_SHARE:
            failed_at = at - dt.timedelta(minutes=rng.randint(5, 60))
            payments.append(
                {
                    **common,
                    "reference": _reference(rng, failed_at, tz),
                    "status": PaymentStatus.FAILED,
                    "created_at": failed_at,
                    "expires_at": failed_at + dt.timedelta(minutes=15),
                }
            )
        reference = _reference(rng, at, tz)
        payments.append(
            {
                **common,
                "reference": reference,
                "status": PaymentStatus.PAID,
                "created_at": at,
                "expires_at": at + dt.timedelta(minutes=15),
                "paid_at": at + dt.timedelta(minutes=rng.randint(1, 5)),
                "settled_by": EventKind.NOTIFICATION if rng.random() < 0.97 else EventKind.QUERY,
                "transaction_no": f"{rng.getrandbits(32):010d}",
                "receipt_token": _receipt_token(reference),
            }
        )
        paid_dossiers.append(pk)
    if not payments:
        return 0
    for p in payments:
        p["id"] = writer.next_payment
        writer.next_payment += 1
    events = []
    for p in payments:
        events.append(
            {
                "id": writer.next_event,
                "payment_id": p["id"],
                "provider": p["provider"],
                "kind": p.get("settled_by") or EventKind.START,
                "verdict": GENERATED_VERDICTS[p["status"]],
                "reference": p["reference"],
                "at": p.get("paid_at") or p["created_at"],
                "raw": {"generated": True, "amount": p["amount"]},
            }
        )
        writer.next_event += 1
    writer.number(payments)
    with transaction.atomic():
        run.write(Payment, payments)
        run.write(PaymentEvent, events)
        if paid_dossiers:
            Dossier.objects.filter(pk__in=paid_dossiers, paid_online=False).update(paid_online=True)
    return len(payments)
