"""VNPay payment gateway v2.1.0: the signed pay URL, IPN and return verification, querydr and refund.

Facts and sources in docs PROTOCOLS §1 (VNPay "changeTypeHash" and "querydr&refund" pages, the official PHP demo):
- the pay request and the IPN are signed with hex(HMAC-SHA512(HashSecret, q)) in lower case, where q is the
  parameters without vnp_SecureHash / vnp_SecureHashType / empty values, sorted by key, each value
  form-encoded (space as "+", UTF-8 percent-escapes) and joined as k=v with "&" — q is also the URL query;
- amounts are VND × 100, dates yyyyMMddHHmmss in GMT+7;
- querydr and refund are JSON bodies whose hash is HMAC-SHA512 over fields joined with "|", not encoded.
Pure functions only: no Django, no I/O, so the known-answer tests pin them down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import quote_plus

VERSION = "2.1.0"
GMT7 = dt.timezone(dt.timedelta(hours=7))
HASH_FIELDS_EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")

# RspCode answers to an IPN, as VNPay's demo defines them (PROTOCOLS §1.3).
IPN_OK = ("00", "Confirm Success")
IPN_NOT_FOUND = ("01", "Order not found")
IPN_ALREADY_CONFIRMED = ("02", "Order already confirmed")
IPN_INVALID_AMOUNT = ("04", "invalid amount")
IPN_INVALID_SIGNATURE = ("97", "Invalid signature")
IPN_UNKNOWN_ERROR = ("99", "Unknow error")

QUERYDR_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
REFUND_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS = QUERYDR_RESPONSE_FIELDS[:-2]


def vnp_date(value: dt.datetime) -> str:
    """yyyyMMddHHmmss in GMT+7, whatever the time zone of `value`."""
    return value.astimezone(GMT7).strftime("%Y%m%d%H%M%S")


def parse_vnp_date(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=GMT7)
    except (TypeError, ValueError):
        return None


def vnp_amount(amount_vnd: int) -> str:
    return str(int(amount_vnd) * 100)


def order_info(text: str) -> str:
    """vnp_OrderInfo: Vietnamese without diacritics, limited to characters every encoder agrees on."""
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9 .:_#/-]", "", ascii_text).strip()[:255]


def canonical_query(params: Mapping[str, object]) -> str:
    """Sorted, form-encoded k=v pairs (the HMAC input and the URL query)."""
    items = sorted(
        (k, str(v)) for k, v in params.items() if k not in HASH_FIELDS_EXCLUDED and v not in (None, "")
    )
    return "&".join(f"{quote_plus(k, safe='')}={quote_plus(v, safe='')}" for k, v in items)


def _hmac512(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha512).hexdigest()


def secure_hash(params: Mapping[str, object], secret: str) -> str:
    return _hmac512(secret, canonical_query(params))


def pay_url(base_url: str, params: Mapping[str, object], secret: str) -> str:
    query = canonical_query(params)
    return f"{base_url}?{query}&vnp_SecureHash={_hmac512(secret, query)}"


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether decoded IPN / return parameters carry a valid vnp_SecureHash (re-encoded, PROTOCOLS §1.2)."""
    given = (params.get("vnp_SecureHash") or "").lower()
    if not given:
        return False
    return hmac.compare_digest(given, secure_hash(params, secret))


def pipe_hash(values: Mapping[str, object], fields: tuple[str, ...], secret: str) -> str:
    """querydr / refund checksum: fields joined by "|", a missing one as "" (PROTOCOLS §1.5)."""
    message = "|".join("" if values.get(f) is None else str(values.get(f)) for f in fields)
    return _hmac512(secret, message)


def sign_body(body: dict, fields: tuple[str, ...], secret: str) -> dict:
    return {**body, "vnp_SecureHash": pipe_hash(body, fields, secret)}


def verify_body(body: Mapping[str, object], fields: tuple[str, ...], secret: str) -> bool:
    given = str(body.get("vnp_SecureHash") or "").lower()
    return bool(given) and hmac.compare_digest(given, pipe_hash(body, fields, secret))
