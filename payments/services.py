"""Writes of the payments app: what a dossier owes, starting a payment, settling it on a verified provider
message (notification or status query, never the browser return), reconciliation and refunds.

Money is marked paid in one place, `_settle`, under the payment row's lock; a duplicate answers "already
confirmed"; every raw provider message is kept as an append-only PaymentEvent.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.constants import DossierState
from dossiers.models import Dossier, DossierObligation
from portal import outbox
from portal.errors import ApplicationError, Conflict, NotPermitted
from procedures.fees import fee_lines

from . import registry
from .base import Notice, PaymentProvider
from .constants import SETTLED, EventKind, PaymentKind, PaymentStatus, Verdict
from .models import (
    Payment,
    PaymentEvent,
    PaymentRefund,
    PaymentTerms,
    ReceiptCounter,
    UnmatchedTransfer,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from portal.models import User

logger = logging.getLogger(__name__)

# A dossier refused or withdrawn before processing gets its fees back (NĐ 11/2020/NĐ-CP, Điều 13 and fee law).
REFUNDABLE_STATES = (DossierState.REFUSED, DossierState.WITHDRAWN, DossierState.STOPPED)


@dataclass(frozen=True)
class Owed:
    kind: str
    amount: int
    lines: list[dict]
    obligation_ids: list[int]


def filing_fees(dossier: Dossier) -> list[dict]:
    """Fees of the dossier's procedure version payable when filing, for its channel (an online reduction
    replaces the general row); fees fixed after appraisal come later as obligations.

    The exemption the applicant claimed for a listed target group (unless the desk refused it) applies to
    its fee lines: the line keeps the full amount and says which exemption brought it down (to 0 when the
    group is exempted)."""
    return fee_lines(dossier.procedure_version.fees_for(dossier.channel), dossier.granted_fee_exemption)


def amount_owed(dossier: Dossier) -> Owed | None:
    """What the applicant may pay online now: the outstanding obligations while the dossier waits for them
    (status 6), otherwise the filing fees not yet paid. None when nothing is owed."""
    if not dossier.procedure_version.allows_online_payment or not registry.enabled():
        return None
    if dossier.state == DossierState.AWAITING_PAYMENT:
        obligations = list(DossierObligation.objects.filter(dossier=dossier, paid_at__isnull=True))
        if obligations:
            return Owed(
                kind=PaymentKind.OBLIGATION,
                amount=int(sum((o.amount for o in obligations), Decimal(0))),
                lines=[{"name": o.description, "amount": int(o.amount)} for o in obligations],
                obligation_ids=[o.pk for o in obligations],
            )
        return None
    if dossier.state not in REFUNDABLE_STATES and dossier.finished_at is None:
        lines = filing_fees(dossier)
        total = sum(line["amount"] for line in lines)
        paid = sum(
            Payment.objects.filter(dossier=dossier, kind=PaymentKind.FILING, status__in=SETTLED).values_list(
                "amount", flat=True
            )
        )
        if total <= paid:
            # Nothing left: paid already, or exempted (an exempted dossier owes 0 and is never held back).
            return None
        if paid:
            # A reduced fee was paid, then the desk refused the exemption: the difference is owed.
            lines = [{"name": "Phần phí, lệ phí không được miễn, giảm", "amount": total - paid}]
        return Owed(kind=PaymentKind.FILING, amount=total - paid, lines=lines, obligation_ids=[])
    return None


def submission_problems(*, dossier: Dossier) -> list[str]:
    """A procedure that collects its fees when filing online refuses an unpaid submission, unless it lets
    the applicant pay at the desk (PaymentTerms, set in the admin)."""
    terms = PaymentTerms.objects.filter(procedure_id=dossier.procedure_version.procedure_id).first()
    if terms is None or not terms.pay_at_filing or terms.desk_payment_allowed or not registry.enabled():
        return []
    owed = amount_owed(dossier)
    if owed is not None and owed.kind == PaymentKind.FILING:
        return ["Chưa nộp phí, lệ phí: thủ tục này yêu cầu thanh toán trực tuyến trước khi nộp hồ sơ."]
    return []


def new_reference(at: dt.datetime) -> str:
    """Unique, ASCII letters and digits only (fits vnp_TxnRef, MaThamChieu and the VietQR purpose field)."""
    return f"DVC{timezone.localtime(at):%y%m%d}{secrets.token_hex(5).upper()}"


def log_event(
    *,
    provider: str,
    kind: str,
    verdict: str,
    raw: dict,
    payment: Payment | None = None,
    reference: str = "",
    answer: dict | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        payment=payment,
        provider=provider,
        kind=kind,
        verdict=verdict,
        reference=(reference or (payment.reference if payment else ""))[:64],
        at=at or timezone.now(),
        raw=raw,
        answer=answer or {},
        note=note[:300],
    )


def payment_start(
    *, dossier: Dossier, actor: User, provider_id: str, request: HttpRequest
) -> tuple[Payment, str]:
    """Create a payment for what the dossier owes and hand it to the provider (its redirect URL or QR)."""
    from dossiers import permissions

    if not permissions.can_act_as_applicant(actor, dossier):
        raise NotPermitted("Chỉ người nộp hồ sơ mới thanh toán trực tuyến được.")
    if provider_id not in settings.PAYMENTS_PROVIDERS:
        raise ApplicationError("Hình thức thanh toán không được hỗ trợ.", code="unknown_provider")
    provider = registry.get(provider_id)
    owed = amount_owed(dossier)
    if owed is None:
        raise Conflict("Hồ sơ không còn khoản phí, lệ phí nào phải nộp trực tuyến.", code="nothing_owed")
    now = timezone.now()
    open_payment = Payment.objects.filter(
        dossier=dossier, status=PaymentStatus.PENDING, expires_at__gt=now
    ).first()
    if open_payment is not None:
        # Never pay twice: a payment the provider may still complete blocks a second one until it expires.
        raise Conflict(
            f"Hồ sơ đang có giao dịch {open_payment.reference} chờ xác nhận. Vui lòng chờ kết quả, hoặc thanh "
            f"toán lại sau {timezone.localtime(open_payment.expires_at):%H:%M} khi giao dịch hết hạn.",
            code="payment_pending",
        )
    agency = dossier.competent_agency or dossier.receiving_agency
    if agency is None:
        raise ApplicationError("Chưa xác định cơ quan thu phí, lệ phí của hồ sơ.", code="no_agency")
    payment = Payment.objects.create(
        dossier=dossier,
        agency=agency,
        kind=owed.kind,
        provider=provider.identifier,
        reference=new_reference(now),
        amount=owed.amount,
        lines=owed.lines,
        obligation_ids=owed.obligation_ids,
        payer=actor,
        payer_name=dossier.applicant_name or actor.get_full_name(),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=settings.PAYMENTS_EXPIRE_MINUTES),
    )
    started = provider.start(payment, request=request)
    payment.provider_data = {**started.data, "qr_payload": started.qr_payload}
    payment.save(update_fields=["provider_data"])
    log_event(
        provider=provider.identifier,
        kind=EventKind.START,
        verdict=Verdict.INFO,
        payment=payment,
        raw={"redirect_url": started.redirect_url, **started.data},
    )
    return payment, started.redirect_url


def _receipt_number(payment: Payment) -> tuple[str, str]:
    year = timezone.localdate(payment.paid_at).year
    counter, _ = ReceiptCounter.objects.get_or_create(agency=payment.agency, year=year)
    counter = ReceiptCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    account = getattr(payment.agency, "beneficiary_account", None)
    series = account.receipt_series if account else f"BL-{year % 100:02d}E"
    return series, f"{counter.last_number:07d}"


def _settle(payment: Payment, *, transaction_no: str, bank_code: str, via: str, at: dt.datetime) -> None:
    """Mark the locked payment paid, number its receipt, move the dossier on, and print the receipt after
    commit. The only place money becomes paid."""
    payment.status = PaymentStatus.PAID
    payment.paid_at = at
    payment.transaction_no = transaction_no[:40]
    payment.bank_code = bank_code[:20]
    payment.settled_by = via
    payment.receipt_series, payment.receipt_number = _receipt_number(payment)
    payment.receipt_token = secrets.token_urlsafe(16)
    payment.save()
    already = (
        Payment.objects.filter(dossier_id=payment.dossier_id, kind=payment.kind, status__in=SETTLED)
        .exclude(pk=payment.pk)
        .exists()
    )
    if already and payment.kind == PaymentKind.FILING:
        # Paid twice (two gateways left open): the money is recorded and put before the finance officer.
        UnmatchedTransfer.objects.get_or_create(
            bank_transaction_id=f"{payment.provider}:{payment.transaction_no or payment.reference}"[:60],
            defaults={
                "agency": payment.agency,
                "payment": payment,
                "amount": payment.amount,
                "description": payment.reference,
                "received_at": at,
                "problem": "Nộp trùng phí, lệ phí của hồ sơ đã thanh toán — cần hoàn tiền",
            },
        )
    dossier_services.dossier_record_online_payment(
        dossier=payment.dossier,
        amount=Decimal(payment.amount),
        receipt_number=f"{payment.receipt_series}/{payment.receipt_number}",
        provider=payment.provider,
        settles_obligations=payment.kind == PaymentKind.OBLIGATION,
        at=at,
    )
    outbox.enqueue("payments.issue_receipt", payment.pk, queue="default")


def payment_notification_receive(
    *, provider: PaymentProvider, data: dict, kind: str = EventKind.NOTIFICATION
) -> tuple[str, Notice]:
    """A server-to-server notification: check signature, merchant, reference and amount, then settle once.

    Out of order: a failure after a success changes nothing (already confirmed); a verified success after
    a failure or expiry is accepted and recorded (the customer was debited)."""
    notice = provider.parse_notification(data)
    raw = dict(data)
    if not notice.signature_ok:
        log_event(
            provider=provider.identifier,
            kind=kind,
            verdict=Verdict.FORGED,
            raw=raw,
            reference=notice.reference,
        )
        return Verdict.FORGED, notice
    if not notice.merchant_ok:
        log_event(
            provider=provider.identifier,
            kind=kind,
            verdict=Verdict.WRONG_MERCHANT,
            raw=raw,
            reference=notice.reference,
        )
        return Verdict.WRONG_MERCHANT, notice
    at = timezone.now()
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(reference=notice.reference, provider=provider.identifier)
            .first()
        )
        if payment is None:
            verdict = Verdict.UNKNOWN_REFERENCE
        elif notice.amount != payment.amount:
            verdict = Verdict.WRONG_AMOUNT
        elif payment.is_settled:
            verdict = Verdict.DUPLICATE
        elif not notice.success:
            if payment.status == PaymentStatus.PENDING:
                payment.status = PaymentStatus.FAILED
                payment.save(update_fields=["status"])
                verdict = Verdict.FAILED
            else:
                verdict = Verdict.DUPLICATE
        else:
            _settle(
                payment, transaction_no=notice.transaction_no, bank_code=notice.bank_code, via=kind, at=at
            )
            verdict = Verdict.ACCEPTED
        if verdict in (Verdict.UNKNOWN_REFERENCE, Verdict.WRONG_AMOUNT, Verdict.DUPLICATE):
            provider.record_unmatched(notice, verdict, payment)
        log_event(
            provider=provider.identifier,
            kind=kind,
            verdict=verdict,
            raw=raw,
            payment=payment,
            reference=notice.reference,
            at=at,
        )
    return verdict, notice


def payment_query_settle(*, payment_id: int) -> str:
    """Ask the provider how a payment stands (querydr) and settle it either way: paid when it says so with
    the right amount, failed when it failed, expired when the provider has nothing after the expiry."""
    payment = Payment.objects.get(pk=payment_id)
    provider = registry.get(payment.provider)
    result = provider.query(payment)
    at = timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.is_settled:
            verdict = Verdict.DUPLICATE
        elif result.success and result.amount == payment.amount:
            _settle(
                payment,
                transaction_no=result.transaction_no,
                bank_code=result.bank_code,
                via=EventKind.QUERY,
                at=at,
            )
            verdict = Verdict.ACCEPTED
        elif result.success:
            verdict = Verdict.WRONG_AMOUNT
        elif result.failed and payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status"])
            verdict = Verdict.FAILED
        elif payment.status == PaymentStatus.PENDING and at >= payment.expires_at:
            payment.status = PaymentStatus.EXPIRED
            payment.save(update_fields=["status"])
            verdict = Verdict.FAILED
        else:
            verdict = Verdict.INFO
        log_event(
            provider=payment.provider,
            kind=EventKind.QUERY,
            verdict=verdict,
            raw=result.raw,
            payment=payment,
            at=at,
        )
    return verdict


def payments_reconcile(*, now: dt.datetime | None = None) -> int:
    """Beat: every payment still pending PAYMENTS_RECONCILE_AFTER_MINUTES after it started is queried
    (one idempotent task each, through the outbox), so a dropped notification loses nothing."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.PAYMENTS_RECONCILE_AFTER_MINUTES)
    ids = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[: settings.PAYMENTS_RECONCILE_BATCH]
    )
    with transaction.atomic():
        for pk in ids:
            if not outbox.is_pending("payments.query_payment", pk):
                outbox.enqueue("payments.query_payment", pk, queue="default")
    return len(ids)


def payment_refund(*, payment: Payment, actor: User, amount: int, reason: str) -> PaymentRefund:
    """Refund a paid fee, fully or in part, through the provider's refund call, with the officer's reason —
    only when the dossier was refused, withdrawn or stopped before it was processed."""
    from .permissions import can_manage_finance

    if not can_manage_finance(actor, payment.agency):
        raise NotPermitted("Chỉ kế toán của cơ quan thu mới được hoàn tiền.")
    reason = (reason or "").strip()
    errors = {}
    if len(reason) < 5:
        errors["reason"] = "Nhập lý do hoàn tiền."
    if amount is None or amount <= 0 or amount > payment.refundable_amount:
        errors["amount"] = f"Số tiền hoàn phải từ 1 đến {payment.refundable_amount} đồng."
    if errors:
        raise ApplicationError(
            "Thông tin hoàn tiền chưa hợp lệ.", code="invalid_refund", extra={"errors": errors}
        )
    if Dossier.objects.get(pk=payment.dossier_id).state not in REFUNDABLE_STATES:
        raise Conflict(
            "Chỉ hoàn phí, lệ phí khi hồ sơ bị từ chối, rút hoặc dừng xử lý.", code="refund_not_allowed"
        )
    provider = registry.get(payment.provider)
    result = provider.refund(payment, amount=amount, reason=reason, actor_name=actor.username)
    at = timezone.now()
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = PaymentRefund.objects.create(
            payment=locked,
            amount=amount,
            reason=reason[:500],
            requested_by=actor,
            requested_at=at,
            succeeded=result.ok,
            provider_code=result.code[:10],
            provider_message=result.message[:300],
        )
        if result.ok:
            if amount > locked.refundable_amount:
                raise Conflict("Số tiền hoàn vượt số còn lại.", code="refund_too_large")
            locked.refunded_amount += amount
            locked.status = (
                PaymentStatus.REFUNDED
                if locked.refunded_amount == locked.amount
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            locked.save(update_fields=["refunded_amount", "status"])
        log_event(
            provider=locked.provider,
            kind=EventKind.REFUND,
            verdict=Verdict.ACCEPTED if result.ok else Verdict.ERROR,
            raw=result.raw,
            payment=locked,
            note=reason,
            at=at,
        )
    if not result.ok:
        raise ApplicationError(
            f"Đơn vị thanh toán từ chối hoàn tiền ({result.code}): {result.message}", code="refund_refused"
        )
    return refund
