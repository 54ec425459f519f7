"""VietQR (NAPAS 247) dynamic transfer QR: an EMVCo merchant-presented payload (PROTOCOLS §3).

Each field is ID (2) + length (2, decimal) + value; the CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF)
over the UTF-8 bytes of the payload including the literal "6304", printed as 4 upper-case hex digits. Lengths
are counted in characters while the CRC reads bytes, so the purpose field is kept ASCII.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
TO_CARD = "QRIBFTTC"


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """`body` without its CRC field; returns the payload ending in 6304XXXX."""
    head = body + "6304"
    return head + f"{crc16_ccitt_false(head.encode('utf-8')):04X}"


def crc_valid(payload: str) -> bool:
    if len(payload) < 8 or payload[-8:-4] != "6304":
        return False
    return payload[-4:].upper() == f"{crc16_ccitt_false(payload[:-4].encode('utf-8')):04X}"


def ascii_purpose(text: str) -> str:
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9 .\-]", "", plain).strip()


@dataclass(frozen=True)
class Transfer:
    bank_bin: str
    account: str
    amount: int | None = None
    purpose: str = ""
    reference: str = ""
    bill_number: str = ""
    to_card: bool = False


def build(transfer: Transfer) -> str:
    """The payload, fields in the EMVCo build order: 00, 01, 38, 53, 54, 58, 62, 63."""
    beneficiary = tlv("00", transfer.bank_bin) + tlv("01", transfer.account)
    merchant = (
        tlv("00", NAPAS_GUID)
        + tlv("01", beneficiary)
        + tlv("02", TO_CARD if transfer.to_card else TO_ACCOUNT)
    )
    body = (
        tlv("00", "01")
        + tlv("01", "12" if transfer.amount else "11")
        + tlv("38", merchant)
        + tlv("53", "704")
    )
    if transfer.amount:
        body += tlv("54", str(int(transfer.amount)))
    body += tlv("58", "VN")
    additional = ""
    if transfer.bill_number:
        additional += tlv("01", transfer.bill_number)
    if transfer.reference:
        additional += tlv("05", transfer.reference)
    if transfer.purpose:
        additional += tlv("08", ascii_purpose(transfer.purpose))
    if additional:
        body += tlv("62", additional)
    return with_crc(body)


def parse(payload: str) -> dict[str, str]:
    """Top-level fields of a payload (nested ones stay as their raw value)."""
    fields: dict[str, str] = {}
    i = 0
    while i + 4 <= len(payload):
        tag, length = payload[i : i + 2], int(payload[i + 2 : i + 4])
        fields[tag] = payload[i + 4 : i + 4 + length]
        i += 4 + length
    return fields
