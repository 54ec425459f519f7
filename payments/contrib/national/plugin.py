"""Adapter of the national public-service portal's payment platform (INIT / QUERY, signed callback).

The platform's specification is not public (PROTOCOLS §4): message fields follow the two public DVC
implementations, the checksum scheme is a setting (PAYMENTS_NATIONAL_CHECKSUM). The QUERY reply's shape is
not published either; this adapter reads it like the callback (MaLoi "00" = paid) inside `message`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone

from ... import http
from ...base import Notice, PaymentProvider, QueryResult, RefundResult, Started
from ...constants import Provider, Verdict
from ..vnpay.protocol import order_info, parse_vnp_date, vnp_date
from . import protocol as ppf

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ...models import Payment

ANSWERS = {
    Verdict.ACCEPTED: ppf.OK,
    Verdict.FAILED: ppf.OK,
    Verdict.DUPLICATE: ppf.ALREADY_CONFIRMED,
    Verdict.UNKNOWN_REFERENCE: ppf.NOT_FOUND,
    Verdict.WRONG_MERCHANT: ppf.NOT_FOUND,
    Verdict.WRONG_AMOUNT: ppf.BAD_AMOUNT,
    Verdict.FORGED: ppf.BAD_CHECKSUM,
}


def receipt_info(payment: Payment) -> dict:
    """ThongTinBienLai: what the platform prints on its receipt (MaDichVu 2 = fees and charges)."""
    dossier = payment.dossier
    version = dossier.procedure_version
    account = getattr(payment.agency, "beneficiary_account", None)
    return {
        "MaDichVu": "2",
        "MaDVC": version.procedure.code,
        "TenDVC": version.name[:250],
        "MaTTHC": version.procedure.code,
        "TenTTHC": version.name[:250],
        "MaDonVi": payment.agency.code,
        "TenDonVi": payment.agency.name,
        "MaHoSo": dossier.code or payment.reference,
        "TKThuHuong": account.account_number if account else "",
        "MaNHThuHuong": account.bank_code or account.bank_bin if account else "",
        "TenTKThuHuong": account.account_name if account else "",
        "MaCoQuanQD": payment.agency.code,
        "TenCoQuanQD": payment.agency.name,
        "NoiDungThanhToan": order_info(f"Nop phi le phi ho so {dossier.code or payment.reference}"),
        "HoTenNguoiNop": payment.payer_name,
        "SoCMNDNguoiNop": dossier.applicant_id_number,
        "DiaChiNguoiNop": dossier.applicant_address,
        "PhiLePhi": [
            {
                "LoaiPhiLePhi": "2",
                "MaPhiLePhi": str(i + 1),
                "TenPhiLePhi": line["name"],
                "SoTien": line["amount"],
            }
            for i, line in enumerate(payment.lines)
        ],
        "DSKhoanNop": [{"NoiDung": line["name"], "SoTien": line["amount"]} for line in payment.lines],
    }


class NationalPlatformProvider(PaymentProvider):
    identifier = Provider.NATIONAL
    label = "Cổng DVC quốc gia"

    def _sign(self, values: dict, fields) -> dict:
        return ppf.sign(
            values, fields, settings.PAYMENTS_NATIONAL_SECRET, settings.PAYMENTS_NATIONAL_CHECKSUM
        )

    def _verify(self, values: Mapping, fields) -> bool:
        return ppf.verify(
            values, fields, settings.PAYMENTS_NATIONAL_SECRET, settings.PAYMENTS_NATIONAL_CHECKSUM
        )

    def api_url(self) -> str:
        return (
            settings.PAYMENTS_NATIONAL_URL
            or f"{settings.SITE_URL}{reverse('payments-simulator:national_api')}"
        )

    def _post(self, body: dict) -> dict:
        headers = {}
        if settings.PAYMENTS_NATIONAL_TOKEN:
            headers["Authorization"] = f"Bearer {settings.PAYMENTS_NATIONAL_TOKEN}"
        with http.client() as client:
            response = client.post(self.api_url(), json=body, headers=headers)
        response.raise_for_status()
        return response.json()

    def start(self, payment: Payment, *, request: HttpRequest) -> Started:
        body = {
            "LoaiBanTin": "INIT",
            "PhienBan": ppf.VERSION,
            "MaDoiTac": settings.PAYMENTS_NATIONAL_PARTNER_CODE,
            "MaThamChieu": payment.reference,
            "SoTien": payment.amount,
            "LoaiHinhThanhToan": "PAY",
            "MaKenhThanhToan": "1",
            "MaThietBi": "1",
            "NgonNgu": "vi-VN",
            "MaTienTe": "VND",
            "MaNganHang": "PAYMENT",
            "ThongTinGiaoDich": order_info(f"Nop phi le phi {payment.reference}"),
            "ThoiGianGD": vnp_date(payment.created_at),
            "Ip": request.META.get("REMOTE_ADDR", "127.0.0.1"),
        }
        body = {**self._sign(body, ppf.INIT_FIELDS), "ThongTinBienLai": receipt_info(payment)}
        reply = self._post(body)
        if str(reply.get("error_code")) != "0":
            from portal.errors import ApplicationError

            raise ApplicationError(
                "Nền tảng thanh toán quốc gia chưa nhận giao dịch, vui lòng thử lại sau.",
                code="provider_refused",
            )
        message = json.loads(reply.get("message") or "{}")
        return Started(redirect_url=message.get("UrlThanhToan", ""), data={"ThoiGianGD": body["ThoiGianGD"]})

    def parse_notification(self, data: Mapping[str, str]) -> Notice:
        amount = str(data.get("SoTien", ""))
        return Notice(
            signature_ok=self._verify(data, ppf.CALLBACK_FIELDS),
            merchant_ok=data.get("MaDoiTac") == settings.PAYMENTS_NATIONAL_PARTNER_CODE,
            reference=str(data.get("MaThamChieu", "")),
            amount=int(amount) if amount.isdigit() else None,
            success=data.get("MaLoi") == "00",
            transaction_no=str(data.get("MaGiaoDich", "")),
            bank_code=str(data.get("MaNganHang", "")),
            paid_at=parse_vnp_date(str(data.get("ThoiGianGD", ""))),
            raw=dict(data),
        )

    def answer(self, verdict: str, notice: Notice | None) -> JsonResponse:
        code, text = ANSWERS.get(verdict, ppf.OTHER)
        reply = {
            "MaLoi": code,
            "MoTaLoi": text,
            "MaDoiTac": settings.PAYMENTS_NATIONAL_PARTNER_CODE,
            "MaThamChieu": notice.reference if notice else "",
            "ThoiGianGD": vnp_date(timezone.now()),
        }
        return JsonResponse(self._sign(reply, ppf.REPLY_FIELDS))

    def query(self, payment: Payment) -> QueryResult:
        body = self._sign(
            {
                "LoaiBanTin": "QUERY",
                "PhienBan": ppf.VERSION,
                "MaDoiTac": settings.PAYMENTS_NATIONAL_PARTNER_CODE,
                "MaThamChieu": payment.reference,
                "ThoiGianGD": payment.provider_data.get("ThoiGianGD") or vnp_date(payment.created_at),
            },
            ppf.QUERY_FIELDS,
        )
        reply = self._post(body)
        if str(reply.get("error_code")) != "0":
            return QueryResult(found=False, raw={"response": reply})
        message = json.loads(reply.get("message") or "{}")
        if not self._verify(message, ppf.CALLBACK_FIELDS):
            return QueryResult(found=False, raw={"response": reply, "signature_ok": False})
        amount = str(message.get("SoTien", ""))
        code = message.get("MaLoi")
        return QueryResult(
            found=True,
            success=code == "00",
            failed=code not in ("00", "01"),
            amount=int(amount) if amount.isdigit() else None,
            transaction_no=str(message.get("MaGiaoDich", "")),
            bank_code=str(message.get("MaNganHang", "")),
            raw={"response": reply},
        )

    def refund(self, payment: Payment, *, amount: int, reason: str, actor_name: str) -> RefundResult:
        # No refund message is published for the platform: the agency refunds by treasury transfer.
        return RefundResult(
            ok=False,
            code="NA",
            message="Nền tảng thanh toán quốc gia không hỗ trợ lệnh hoàn tiền; hoàn bằng chuyển khoản từ kho bạc.",
        )
