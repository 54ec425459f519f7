"""VietQR bank transfer: a dynamic NAPAS 247 QR with the amount and the payment reference in the purpose
field; settled by the bank's statement notification, matched on reference and amount. A transfer with a
wrong amount or no known reference goes to the finance officer's review list."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone

from ...base import Notice, PaymentProvider, QueryResult, RefundResult, Started
from ...constants import Provider, Verdict
from . import payload as qr

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ...models import Payment

REFERENCE = re.compile(r"DVC\d{6}[0-9A-F]{10}")


def statement_signature(body: bytes) -> str:
    return hmac.new(settings.PAYMENTS_VIETQR_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


class VietQrProvider(PaymentProvider):
    identifier = Provider.VIETQR
    label = "VietQR"

    def start(self, payment: Payment, *, request: HttpRequest) -> Started:
        from portal.errors import ApplicationError

        account = getattr(payment.agency, "beneficiary_account", None)
        if account is None:
            raise ApplicationError(
                "Cơ quan thu chưa khai báo tài khoản thụ hưởng, chưa nhận chuyển khoản được.",
                code="no_account",
            )
        payload = qr.build(
            qr.Transfer(
                bank_bin=account.bank_bin,
                account=account.account_number,
                amount=payment.amount,
                purpose=payment.reference,
            )
        )
        return Started(qr_payload=payload, data={"account": account.account_number})

    def parse_notification(self, data: Mapping[str, str]) -> Notice:
        body = str(data.get("body", "")).encode()
        signature_ok = bool(settings.PAYMENTS_VIETQR_WEBHOOK_SECRET) and hmac.compare_digest(
            str(data.get("signature", "")).lower(), statement_signature(body)
        )
        try:
            line = json.loads(body or b"{}")
        except ValueError:
            return Notice(signature_ok=False, raw=dict(data))
        found = REFERENCE.search(str(line.get("description", "")).upper())
        amount = line.get("amount")
        return Notice(
            signature_ok=signature_ok,
            reference=found.group(0) if found else "",
            amount=int(amount) if isinstance(amount, int) or str(amount).isdigit() else None,
            success=True,
            transaction_no=str(line.get("transactionId", ""))[:40],
            bank_code=str(line.get("bankCode", "")),
            raw=line,
        )

    def record_unmatched(self, notice: Notice, verdict: str, payment: Payment | None) -> None:
        from ...models import BeneficiaryAccount, UnmatchedTransfer

        if not notice.transaction_no:
            return
        if (
            verdict == Verdict.DUPLICATE
            and payment is not None
            and payment.transaction_no == notice.transaction_no
        ):
            return  # the same statement line again, not a second transfer
        agency = payment.agency if payment else None
        if agency is None:
            account = BeneficiaryAccount.objects.filter(
                account_number=str(notice.raw.get("accountNumber", ""))
            ).first()
            agency = account.agency if account else None
        problem = {
            Verdict.WRONG_AMOUNT: "Số tiền không khớp khoản phải nộp",
            Verdict.UNKNOWN_REFERENCE: "Nội dung chuyển khoản không có mã giao dịch hợp lệ",
            Verdict.DUPLICATE: "Chuyển khoản cho giao dịch đã thanh toán",
        }.get(verdict, verdict)
        UnmatchedTransfer.objects.get_or_create(
            bank_transaction_id=notice.transaction_no,
            defaults={
                "agency": agency,
                "payment": payment,
                "amount": notice.amount or 0,
                "description": str(notice.raw.get("description", ""))[:300],
                "received_at": timezone.now(),
                "problem": problem,
            },
        )

    def answer(self, verdict: str, notice: Notice | None) -> JsonResponse:
        ok = verdict in (Verdict.ACCEPTED, Verdict.DUPLICATE, Verdict.WRONG_AMOUNT, Verdict.UNKNOWN_REFERENCE)
        return JsonResponse(
            {"success": ok, "code": verdict}, status=200 if verdict != Verdict.FORGED else 401
        )

    def query(self, payment: Payment) -> QueryResult:
        # A bank transfer has no status query: what the statement has not brought did not happen.
        return QueryResult(found=False)

    def refund(self, payment: Payment, *, amount: int, reason: str, actor_name: str) -> RefundResult:
        return RefundResult(
            ok=True,
            code="MANUAL",
            message="Kế toán hoàn bằng chuyển khoản về tài khoản người nộp; đối chiếu trên sao kê.",
        )
