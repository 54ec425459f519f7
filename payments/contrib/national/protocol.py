"""The national public-service portal's payment platform (Nền tảng thanh toán của Cổng DVC quốc gia).

Messages INIT / GET_BILL / QUERY (PhienBan 1.0.6) and the signed callback, as implemented by two public DVC
systems (PROTOCOLS §4). The platform's checksum (MaXacThuc) is not public and the two disagree:
- "sha256": sha256_hex(f1|…|fn|Secret) — the Thanh Hoá system, which runs against the live platform;
- "hmac-sha256": HMAC-SHA256(Secret, f1|…|fn) — OpenCPS's paymentplatform branch.
Both are supported (PAYMENTS_NATIONAL_CHECKSUM); the default is "sha256", see the README.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

VERSION = "1.0.6"
SCHEMES = ("sha256", "hmac-sha256")

INIT_FIELDS = (
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
)
QUERY_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
CALLBACK_FIELDS = (
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
)
REPLY_FIELDS = ("MaLoi", "MaDoiTac", "MaThamChieu", "ThoiGianGD")

# Callback reply codes (MaLoi) as OpenCPS answers them.
OK = ("00", "Thành công")
BAD_CHECKSUM = ("01", "Sai mã xác thực")
NOT_FOUND = ("02", "Không tìm thấy giao dịch")
BAD_AMOUNT = ("03", "Sai số tiền")
ALREADY_CONFIRMED = ("04", "Giao dịch đã được xác nhận")
OTHER = ("99", "Lỗi khác")


def checksum(values: Mapping[str, object], fields: tuple[str, ...], secret: str, scheme: str) -> str:
    parts = ["" if values.get(f) is None else str(values.get(f)) for f in fields]
    if scheme == "sha256":
        return hashlib.sha256("|".join([*parts, secret]).encode("utf-8")).hexdigest()
    if scheme == "hmac-sha256":
        return hmac.new(secret.encode(), "|".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()
    raise ValueError(f"unknown checksum scheme {scheme!r}")


def sign(values: dict, fields: tuple[str, ...], secret: str, scheme: str) -> dict:
    return {**values, "MaXacThuc": checksum(values, fields, secret, scheme)}


def verify(values: Mapping[str, object], fields: tuple[str, ...], secret: str, scheme: str) -> bool:
    given = str(values.get("MaXacThuc") or "").lower()
    return bool(given) and hmac.compare_digest(given, checksum(values, fields, secret, scheme))
