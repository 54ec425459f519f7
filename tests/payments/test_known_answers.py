"""Known-answer tests of every signature and of the VietQR payload (PROTOCOLS §1, §3, §4)."""

import hashlib
import hmac

import pytest

from payments.contrib.national import protocol as national
from payments.contrib.vietqr import payload as vietqr
from payments.contrib.vnpay import protocol as vnp

SECRET = "SECRETKEY123"


def test_vnpay_canonical_query_sorts_encodes_space_as_plus_and_drops_hash_fields():
    params = {
        "vnp_TxnRef": "ABC123",
        "vnp_OrderInfo": "Thanh toan don hang: 123/45",
        "vnp_Amount": "1000000",
        "vnp_BankCode": "",
        "vnp_SecureHash": "ignored",
        "vnp_SecureHashType": "HmacSHA512",
        "vnp_ReturnUrl": "https://dvc.example/tra-ve?x=1&y=2",
    }
    assert vnp.canonical_query(params) == (
        "vnp_Amount=1000000&vnp_OrderInfo=Thanh+toan+don+hang%3A+123%2F45"
        "&vnp_ReturnUrl=https%3A%2F%2Fdvc.example%2Ftra-ve%3Fx%3D1%26y%3D2&vnp_TxnRef=ABC123"
    )


def test_vnpay_secure_hash_known_answer():
    params = {"vnp_Amount": "1000000", "vnp_OrderInfo": "Thanh toan", "vnp_TxnRef": "ABC123"}
    expected = hmac.new(
        SECRET.encode(), b"vnp_Amount=1000000&vnp_OrderInfo=Thanh+toan&vnp_TxnRef=ABC123", hashlib.sha512
    ).hexdigest()
    assert vnp.secure_hash(params, SECRET) == expected
    # the same value, written out, so that a change of library or encoder cannot move both sides at once
    assert expected == (
        "2f6836ee7c99e8541db0ba40c17a4fca95f7994131d748547b289835cea0e65a"
        "49870a40168cb280469eb82e1bafe2533a065a09e9c7ae474fd55579f250e571"
    )


def test_vnpay_verify_accepts_own_signature_and_refuses_tampering():
    params = {"vnp_Amount": "7500000", "vnp_TxnRef": "R1", "vnp_ResponseCode": "00"}
    signed = {**params, "vnp_SecureHash": vnp.secure_hash(params, SECRET)}
    assert vnp.verify(signed, SECRET)
    assert vnp.verify({**signed, "vnp_SecureHash": signed["vnp_SecureHash"].upper()}, SECRET)
    assert not vnp.verify({**signed, "vnp_Amount": "7500100"}, SECRET)
    assert not vnp.verify(signed, "other-secret")


def test_vnpay_amount_is_times_100_and_dates_are_gmt7():
    import datetime as dt

    assert vnp.vnp_amount(10_000) == "1000000"
    assert vnp.vnp_date(dt.datetime(2026, 10, 14, 2, 30, 5, tzinfo=dt.UTC)) == "20261014093005"
    assert vnp.order_info("Thanh toán phí hồ sơ Đất đai (số 5)") == "Thanh toan phi ho so Dat dai so 5"


def test_vnpay_querydr_and_refund_pipe_hash_known_answer():
    body = {f: f"v{i}" for i, f in enumerate(vnp.QUERYDR_REQUEST_FIELDS)}
    body["vnp_OrderInfo"] = None
    message = "v0|v1|v2|v3|v4|v5|v6|v7|"
    assert vnp.pipe_hash(body, vnp.QUERYDR_REQUEST_FIELDS, SECRET) == (
        hmac.new(SECRET.encode(), message.encode(), hashlib.sha512).hexdigest()
    )
    assert vnp.REFUND_REQUEST_FIELDS[4] == "vnp_TransactionType"
    assert vnp.QUERYDR_RESPONSE_FIELDS[:-2] == vnp.REFUND_RESPONSE_FIELDS
    signed = vnp.sign_body({"vnp_RequestId": "1"}, vnp.QUERYDR_REQUEST_FIELDS, SECRET)
    assert vnp.verify_body(signed, vnp.QUERYDR_REQUEST_FIELDS, SECRET)
    assert not vnp.verify_body({**signed, "vnp_TxnRef": "X"}, vnp.QUERYDR_REQUEST_FIELDS, SECRET)


@pytest.mark.parametrize(
    "payload",
    [
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F",
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
        "62150811Chuyen tien630453E6",
        "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN"
        "62340107NPS68690819thanh toan don hang63042E2E",
    ],
)
def test_vietqr_crc_known_answers(payload):
    assert vietqr.crc_valid(payload)
    assert vietqr.with_crc(payload[:-8]) == payload
    assert not vietqr.crc_valid(payload[:-1] + ("0" if payload[-1] != "0" else "1"))


def test_vietqr_builds_the_published_static_and_dynamic_payloads():
    assert vietqr.build(vietqr.Transfer("970416", "257678859")) == (
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"
    )
    assert vietqr.build(vietqr.Transfer("970416", "257678859", amount=10000, purpose="Chuyen tien")) == (
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
        "62150811Chuyen tien630453E6"
    )
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1  # the CRC catalogue's check value


def test_vietqr_lower_case_crc_is_accepted():
    assert vietqr.crc_valid(
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304ae9f"
    )


def test_national_checksum_both_schemes_known_answers():
    values = {f: f"x{i}" for i, f in enumerate(national.QUERY_FIELDS)}
    joined = "x0|x1|x2|x3|x4"
    assert national.checksum(values, national.QUERY_FIELDS, "S", "sha256") == (
        hashlib.sha256(f"{joined}|S".encode()).hexdigest()
    )
    assert national.checksum(values, national.QUERY_FIELDS, "S", "hmac-sha256") == (
        hmac.new(b"S", joined.encode(), hashlib.sha256).hexdigest()
    )
    signed = national.sign(values, national.QUERY_FIELDS, "S", "sha256")
    assert national.verify(signed, national.QUERY_FIELDS, "S", "sha256")
    assert not national.verify(signed, national.QUERY_FIELDS, "S", "hmac-sha256")
    with pytest.raises(ValueError):
        national.checksum(values, national.QUERY_FIELDS, "S", "md5")
