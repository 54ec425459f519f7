"""VNPay adapter (production and simulator alike: only the URLs and keys differ)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone

from ... import http
from ...base import Notice, PaymentProvider, QueryResult, RefundResult, Started
from ...constants import Provider, Verdict
from . import protocol as vnp

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ...models import Payment

ANSWERS = {
    Verdict.ACCEPTED: vnp.IPN_OK,
    Verdict.FAILED: vnp.IPN_OK,  # a failed payment recorded is still "confirmed" (PROTOCOLS §1.3)
    Verdict.DUPLICATE: vnp.IPN_ALREADY_CONFIRMED,
    Verdict.UNKNOWN_REFERENCE: vnp.IPN_NOT_FOUND,
    Verdict.WRONG_MERCHANT: vnp.IPN_NOT_FOUND,
    Verdict.WRONG_AMOUNT: vnp.IPN_INVALID_AMOUNT,
    Verdict.FORGED: vnp.IPN_INVALID_SIGNATURE,
}


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class VnpayProvider(PaymentProvider):
    identifier = Provider.VNPAY
    label = "VNPay"

    @property
    def secret(self) -> str:
        return settings.PAYMENTS_VNPAY_HASH_SECRET

    @property
    def tmn_code(self) -> str:
        return settings.PAYMENTS_VNPAY_TMN_CODE

    def pay_base_url(self, request: HttpRequest | None) -> str:
        if settings.PAYMENTS_VNPAY_PAY_URL:
            return settings.PAYMENTS_VNPAY_PAY_URL
        path = reverse("payments-simulator:vnpay_pay")
        return request.build_absolute_uri(path) if request else _site(path)

    def api_url(self) -> str:
        return settings.PAYMENTS_VNPAY_API_URL or _site(reverse("payments-simulator:vnpay_api"))

    def start(self, payment: Payment, *, request: HttpRequest) -> Started:
        created = vnp.vnp_date(payment.created_at)
        params = {
            "vnp_Version": vnp.VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": vnp.vnp_amount(payment.amount),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": vnp.order_info(f"Thanh toan phi le phi ho so {payment.reference}"),
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": request.build_absolute_uri(reverse("payments:vnpay_return")),
            "vnp_IpAddr": request.META.get("REMOTE_ADDR", "127.0.0.1"),
            "vnp_CreateDate": created,
            "vnp_ExpireDate": vnp.vnp_date(payment.expires_at),
        }
        return Started(
            redirect_url=vnp.pay_url(self.pay_base_url(request), params, self.secret),
            data={"vnp_CreateDate": created, "vnp_OrderInfo": params["vnp_OrderInfo"]},
        )

    def parse_notification(self, data: Mapping[str, str]) -> Notice:
        amount = data.get("vnp_Amount", "")
        return Notice(
            signature_ok=vnp.verify(data, self.secret),
            merchant_ok=data.get("vnp_TmnCode") == self.tmn_code,
            reference=data.get("vnp_TxnRef", ""),
            amount=int(amount) // 100 if amount.isdigit() and int(amount) % 100 == 0 else None,
            success=data.get("vnp_ResponseCode") == "00" and data.get("vnp_TransactionStatus") == "00",
            transaction_no=data.get("vnp_TransactionNo", ""),
            bank_code=data.get("vnp_BankCode", ""),
            paid_at=vnp.parse_vnp_date(data.get("vnp_PayDate", "")),
            raw=dict(data),
        )

    def answer(self, verdict: str, notice: Notice | None) -> JsonResponse:
        code, message = ANSWERS.get(verdict, vnp.IPN_UNKNOWN_ERROR)
        return JsonResponse({"RspCode": code, "Message": message})

    def _post(self, body: dict, response_fields: tuple[str, ...]) -> tuple[dict, bool]:
        with http.client() as client:
            response = client.post(self.api_url(), json=body)
        response.raise_for_status()
        data = response.json()
        return data, vnp.verify_body(data, response_fields, self.secret)

    def _common(self, payment: Payment, command: str) -> dict:
        return {
            "vnp_RequestId": secrets.token_hex(16),
            "vnp_Version": vnp.VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": payment.reference,
            "vnp_OrderInfo": vnp.order_info(f"{command} {payment.reference}"),
            "vnp_TransactionDate": payment.provider_data.get("vnp_CreateDate")
            or vnp.vnp_date(payment.created_at),
            "vnp_CreateDate": vnp.vnp_date(timezone.now()),
            "vnp_IpAddr": settings.PAYMENTS_SERVER_IP,
        }

    def query(self, payment: Payment) -> QueryResult:
        body = vnp.sign_body(self._common(payment, "querydr"), vnp.QUERYDR_REQUEST_FIELDS, self.secret)
        data, valid = self._post(body, vnp.QUERYDR_RESPONSE_FIELDS)
        if not valid or data.get("vnp_ResponseCode") != "00":
            return QueryResult(found=False, raw={"response": data, "signature_ok": valid})
        amount = str(data.get("vnp_Amount") or "")
        status = data.get("vnp_TransactionStatus")
        return QueryResult(
            found=True,
            success=status == "00",
            failed=status in ("02", "04"),
            amount=int(amount) // 100 if amount.isdigit() else None,
            transaction_no=str(data.get("vnp_TransactionNo") or ""),
            bank_code=str(data.get("vnp_BankCode") or ""),
            paid_at=vnp.parse_vnp_date(str(data.get("vnp_PayDate") or "")),
            raw={"response": data},
        )

    def refund(self, payment: Payment, *, amount: int, reason: str, actor_name: str) -> RefundResult:
        body = {
            **self._common(payment, "refund"),
            "vnp_TransactionType": "02" if amount == payment.amount else "03",
            "vnp_Amount": vnp.vnp_amount(amount),
            "vnp_TransactionNo": payment.transaction_no or "0",
            "vnp_CreateBy": actor_name[:50],
            "vnp_OrderInfo": vnp.order_info(f"Hoan tien {payment.reference} {reason}")[:255],
        }
        body = vnp.sign_body(body, vnp.REFUND_REQUEST_FIELDS, self.secret)
        data, valid = self._post(body, vnp.REFUND_RESPONSE_FIELDS)
        code = str(data.get("vnp_ResponseCode") or "")
        return RefundResult(
            ok=valid and code == "00",
            code=code if valid else "97",
            message=str(data.get("vnp_Message") or "") if valid else "Sai chữ ký phản hồi",
            raw={"request": body, "response": data},
        )
