"""A local VNPay gateway for development and tests (mounted only with PAYMENTS_SIMULATORS): the pay page
checks the signed request, lets the tester pay or cancel, sends the signed IPN to the merchant's IPN URL
over HTTP (or drops it, to exercise reconciliation) and returns the browser; the merchant API answers
querydr and refund with signed bodies. Its keys are the merchant's own settings, as a sandbox's are."""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .. import http
from ..constants import Provider
from ..contrib.vnpay import protocol as vnp
from ..models import SimulatedTransaction


def _secret() -> str:
    return settings.PAYMENTS_VNPAY_HASH_SECRET


def ipn_params(txn: SimulatedTransaction, *, response_code: str, status: str) -> dict:
    params = {
        "vnp_TmnCode": txn.data["vnp_TmnCode"],
        "vnp_Amount": str(txn.amount * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{txn.transaction_no}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": txn.data.get("vnp_OrderInfo", ""),
        "vnp_PayDate": txn.data.get("vnp_PayDate", vnp.vnp_date(timezone.now())),
        "vnp_ResponseCode": response_code,
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": txn.reference,
    }
    return {**params, "vnp_SecureHash": vnp.secure_hash(params, _secret())}


def deliver_ipn(url: str, params: dict) -> dict:
    try:
        with http.client() as client:
            response = client.get(url, params=params)
        return response.json()
    except Exception as exc:  # the merchant was unreachable: VNPay would retry; the sandbox just records it
        return {"error": str(exc)[:200]}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pay(request):
    source = request.GET if request.method == "GET" else json.loads(request.POST.get("request", "{}"))
    params = {k: v for k, v in source.items()}
    if not vnp.verify(params, _secret()) or params.get("vnp_TmnCode") != settings.PAYMENTS_VNPAY_TMN_CODE:
        return render(request, "payments/simulator/vnpay_error.html", {"code": "97"}, status=400)
    amount = int(params["vnp_Amount"]) // 100
    txn, _ = SimulatedTransaction.objects.get_or_create(
        provider=Provider.VNPAY,
        reference=params["vnp_TxnRef"],
        defaults={"amount": amount, "data": params, "created_at": timezone.now()},
    )
    if request.method == "GET":
        return render(
            request,
            "payments/simulator/vnpay_pay.html",
            {"params": params, "amount": amount, "request_json": json.dumps(params)},
        )
    paid = request.POST.get("outcome") == "pay"
    response_code, status = ("00", "00") if paid else ("24", "02")
    txn.status = status
    txn.transaction_no = txn.transaction_no or f"{secrets.randbelow(10**8):08d}"
    txn.data = {**txn.data, "vnp_PayDate": vnp.vnp_date(timezone.now()), "vnp_ResponseCode": response_code}
    ipn = ipn_params(txn, response_code=response_code, status=status)
    if request.POST.get("drop_ipn"):
        txn.data["ipn_answer"] = {"dropped": True}
    else:
        txn.data["ipn_answer"] = deliver_ipn(request.build_absolute_uri(reverse("payments:vnpay_ipn")), ipn)
    txn.save()
    return HttpResponseRedirect(f"{params['vnp_ReturnUrl']}?{urlencode(ipn)}")


def _signed(body: dict, fields) -> JsonResponse:
    return JsonResponse(vnp.sign_body(body, fields, _secret()))


@csrf_exempt
@require_POST
def api(request):
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    command = body.get("vnp_Command")
    fields = vnp.QUERYDR_REQUEST_FIELDS if command == "querydr" else vnp.REFUND_REQUEST_FIELDS
    out_fields = vnp.QUERYDR_RESPONSE_FIELDS if command == "querydr" else vnp.REFUND_RESPONSE_FIELDS
    base = {
        "vnp_ResponseId": secrets.token_hex(16),
        "vnp_Command": command,
        "vnp_TmnCode": body.get("vnp_TmnCode", ""),
        "vnp_TxnRef": body.get("vnp_TxnRef", ""),
    }
    if command not in ("querydr", "refund") or body.get("vnp_TmnCode") != settings.PAYMENTS_VNPAY_TMN_CODE:
        return _signed({**base, "vnp_ResponseCode": "02", "vnp_Message": "Invalid TmnCode"}, out_fields)
    if not vnp.verify_body(body, fields, _secret()):
        return _signed({**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"}, out_fields)
    txn = SimulatedTransaction.objects.filter(
        provider=Provider.VNPAY, reference=body.get("vnp_TxnRef")
    ).first()
    if txn is None:
        return _signed({**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}, out_fields)
    result = {
        **base,
        "vnp_ResponseCode": "00",
        "vnp_Message": "Success",
        "vnp_Amount": str(txn.amount * 100),
        "vnp_BankCode": "NCB",
        "vnp_PayDate": txn.data.get("vnp_PayDate", ""),
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_TransactionType": "01",
        "vnp_TransactionStatus": txn.status,
        "vnp_OrderInfo": txn.data.get("vnp_OrderInfo", ""),
    }
    if command == "refund":
        if txn.status != "00":
            return _signed({**base, "vnp_ResponseCode": "95", "vnp_Message": "Refund refused"}, out_fields)
        refunded = int(txn.data.get("refunded", 0)) + int(body.get("vnp_Amount", "0")) // 100
        txn.data = {**txn.data, "refunded": refunded}
        txn.save(update_fields=["data"])
        result["vnp_TransactionType"] = body.get("vnp_TransactionType", "02")
        result["vnp_Amount"] = body.get("vnp_Amount", "")
        result["vnp_TransactionStatus"] = "05"
    else:
        result["vnp_PromotionCode"] = ""
        result["vnp_PromotionAmount"] = ""
    return _signed(result, out_fields)
