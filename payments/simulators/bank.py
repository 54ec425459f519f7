"""A local bank (mounted only with PAYMENTS_SIMULATORS): a tester "transfers" money to a beneficiary
account, and the bank posts the signed statement notification to the portal, as a bank's webhook does."""

from __future__ import annotations

import json
import secrets

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import http
from ..contrib.vietqr.payload import crc_valid, parse
from ..contrib.vietqr.plugin import statement_signature


def statement_line(*, account: str, amount: int, description: str, transaction_id: str = "") -> bytes:
    return json.dumps(
        {
            "transactionId": transaction_id or f"FT{secrets.randbelow(10**12):012d}",
            "accountNumber": account,
            "amount": amount,
            "description": description,
            "transactionDate": timezone.now().isoformat(),
        }
    ).encode()


def post_statement(url: str, body: bytes) -> dict:
    with http.client() as client:
        response = client.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "X-Signature": statement_signature(body)},
        )
    return response.json()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def transfer(request):
    """Paste a VietQR payload (or type account, amount and purpose) and send the transfer."""
    context: dict = {}
    if request.method == "POST":
        payload = request.POST.get("payload", "").strip()
        account, amount, purpose = (
            request.POST.get("account", ""),
            request.POST.get("amount", ""),
            request.POST.get("purpose", ""),
        )
        if payload and crc_valid(payload):
            fields = parse(payload)
            merchant = parse(fields.get("38", ""))
            account = parse(merchant.get("01", "")).get("01", account)
            amount = amount or fields.get("54", "")
            purpose = purpose or parse(fields.get("62", "")).get("08", "")
        body = statement_line(account=account, amount=int(amount or 0), description=purpose)
        context["answer"] = post_statement(
            request.build_absolute_uri(reverse("payments:vietqr_statement")), body
        )
    return render(request, "payments/simulator/bank.html", context)
