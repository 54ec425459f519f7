"""A local national payment platform (mounted only with PAYMENTS_SIMULATORS): INIT answers the URL of a pay
page, the pay page sends the signed callback to the merchant and returns the browser, QUERY answers the
transaction's state. It checks and signs with the merchant's own settings and checksum scheme."""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .. import http
from ..constants import Provider
from ..contrib.national import protocol as ppf
from ..contrib.vnpay.protocol import vnp_date
from ..models import SimulatedTransaction


def _sign(values: dict, fields) -> dict:
    return ppf.sign(values, fields, settings.PAYMENTS_NATIONAL_SECRET, settings.PAYMENTS_NATIONAL_CHECKSUM)


def _verify(values: dict, fields) -> bool:
    return ppf.verify(values, fields, settings.PAYMENTS_NATIONAL_SECRET, settings.PAYMENTS_NATIONAL_CHECKSUM)


def callback_message(txn: SimulatedTransaction, *, code: str) -> dict:
    return _sign(
        {
            "LoaiBanTin": "PAY",
            "MaLoi": code,
            "MaDoiTac": txn.data["MaDoiTac"],
            "MaThamChieu": txn.reference,
            "SoTien": txn.amount,
            "MaTienTe": "VND",
            "MaGiaoDich": txn.transaction_no,
            "MaNganHang": "VCB",
            "ThoiGianGD": txn.data.get("paid", vnp_date(timezone.now())),
            "ThongTinGiaoDich": txn.data.get("ThongTinGiaoDich", ""),
        },
        ppf.CALLBACK_FIELDS,
    )


@csrf_exempt
@require_POST
def api(request):
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    kind = body.get("LoaiBanTin")
    fields = ppf.INIT_FIELDS if kind == "INIT" else ppf.QUERY_FIELDS
    if body.get("MaDoiTac") != settings.PAYMENTS_NATIONAL_PARTNER_CODE or not _verify(body, fields):
        return JsonResponse({"error_code": "-1", "message": "Sai mã xác thực"})
    if kind == "INIT":
        txn, _ = SimulatedTransaction.objects.get_or_create(
            provider=Provider.NATIONAL,
            reference=body["MaThamChieu"],
            defaults={"amount": int(body["SoTien"]), "data": body, "created_at": timezone.now()},
        )
        url = request.build_absolute_uri(reverse("payments-simulator:national_pay", args=[txn.reference]))
        return JsonResponse({"error_code": "0", "message": json.dumps({"UrlThanhToan": url})})
    if kind == "QUERY":
        txn = SimulatedTransaction.objects.filter(
            provider=Provider.NATIONAL, reference=body["MaThamChieu"]
        ).first()
        if txn is None:
            return JsonResponse({"error_code": "1", "message": "Không tìm thấy giao dịch"})
        return JsonResponse(
            {"error_code": "0", "message": json.dumps(callback_message(txn, code=txn.status))}
        )
    return JsonResponse({"error_code": "-1", "message": "LoaiBanTin không hỗ trợ"})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pay(request, reference: str):
    txn = SimulatedTransaction.objects.filter(provider=Provider.NATIONAL, reference=reference).first()
    if txn is None:
        raise Http404
    if request.method == "GET":
        return render(request, "payments/simulator/national_pay.html", {"txn": txn})
    paid = request.POST.get("outcome") == "pay"
    txn.status = "00" if paid else "02"
    txn.transaction_no = txn.transaction_no or f"PG{secrets.randbelow(10**10):010d}"
    txn.data = {**txn.data, "paid": vnp_date(timezone.now())}
    message = callback_message(txn, code=txn.status)
    if request.POST.get("drop_callback"):
        txn.data["callback_answer"] = {"dropped": True}
    else:
        try:
            with http.client() as client:
                answer = client.post(
                    request.build_absolute_uri(reverse("payments:national_callback")), json=message
                )
            txn.data["callback_answer"] = answer.json()
        except Exception as exc:  # unreachable merchant; reconciliation will find it
            txn.data["callback_answer"] = {"error": str(exc)[:200]}
    txn.save()
    back = request.build_absolute_uri(reverse("payments:national_return"))
    return HttpResponseRedirect(f"{back}?{urlencode({'MaThamChieu': reference, 'MaLoi': txn.status})}")
