"""SMS brandname through eSMS's JSON API (SendMultipleMessage_V4_post_json).

The row's key goes out as `RequestId`, which eSMS de-duplicates (code 124): a row sent again after a worker
died between the send and the mark is not sent twice. Codes (eSMS "bảng mã lỗi"): 100 accepted; 103
insufficient balance and 140 address not whitelisted are the account's problems, fixed by an operator, so the
row is tried again later; 108 bad phone number is the recipient's, so it is dropped; 101/104/146 (key,
brandname, content not matching a registered template) are configuration errors: tried again until the
attempts run out, so an operator can fix them. With SMS_ESMS_CALLBACK_URL set, each send carries it as
`CallbackUrl`, and eSMS reports the message's final status there (`notifications.reports.esms_report`).
"""

from __future__ import annotations

import httpx
from django.conf import settings

from . import ChannelError, Sent, http_transport, phone_84

RETRY_CODES = {"99", "101", "103", "104", "140", "146"}
DROP_CODES = {"108", "118", "119", "177"}
MESSAGES = {
    "101": "Sai ApiKey/SecretKey",
    "103": "Tài khoản không đủ tiền",
    "104": "Brandname chưa đăng ký",
    "108": "Số điện thoại không hợp lệ",
    "124": "RequestId đã gửi",
    "140": "Địa chỉ IP chưa được cho phép",
    "146": "Nội dung không khớp mẫu đã đăng ký",
}


class EsmsChannel:
    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        secret_key: str,
        brandname: str,
        sandbox: bool,
        timeout: float,
        callback_url: str = "",
    ):
        self.url = url
        self.api_key = api_key
        self.secret_key = secret_key
        self.brandname = brandname
        self.sandbox = sandbox
        self.timeout = timeout
        self.callback_url = callback_url

    @classmethod
    def from_settings(cls) -> EsmsChannel:
        return cls(
            url=settings.SMS_ESMS_URL,
            api_key=settings.SMS_ESMS_API_KEY,
            secret_key=settings.SMS_ESMS_SECRET_KEY,
            brandname=settings.SMS_BRANDNAME,
            sandbox=settings.SMS_SANDBOX,
            timeout=settings.NOTIFY_PROVIDER_TIMEOUT_SECONDS,
            callback_url=settings.SMS_ESMS_CALLBACK_URL,
        )

    def payload(self, notification) -> dict:
        body = {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": phone_84(notification.address),
            "Content": notification.body,
            "Brandname": self.brandname,
            "SmsType": "2",
            "IsUnicode": "0",
            "Sandbox": "1" if self.sandbox else "0",
            "RequestId": notification.request_id,
        }
        if self.callback_url:  # eSMS calls it with the SMSID and its final status (notifications.reports)
            body["CallbackUrl"] = self.callback_url
        return body

    def send(self, notification) -> Sent:
        try:
            with httpx.Client(transport=http_transport(), timeout=self.timeout) as client:
                response = client.post(self.url, json=self.payload(notification))
            response.raise_for_status()
            reply = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError(f"Không kết nối được eSMS: {exc}", code="http") from exc
        code = str(reply.get("CodeResult", ""))
        if code in ("100", "124"):  # 124: this RequestId was accepted before
            return Sent(provider_message_id=str(reply.get("SMSID") or ""))
        message = MESSAGES.get(code, "Lỗi eSMS")
        detail = f" ({reply['ErrorMessage']})" if reply.get("ErrorMessage") else ""
        raise ChannelError(f"eSMS {code}: {message}{detail}", code=code, retry=code not in DROP_CODES)
