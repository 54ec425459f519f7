"""Delivery reports from the providers: eSMS's CallbackUrl and the Zalo OA webhook (open URLs, server to server).

eSMS (developers' "Callback Url" page): once the carrier reports, eSMS calls the CallbackUrl sent with the
message by GET with `SMSID`, `SendStatus` (1 waiting for approval, 2 waiting to send, 4 refused, 5 sent — then
`SendSuccess` / `SendFailed` count the receivers reached or not, 7 sent and waiting for the carrier's report),
`RequestId`, `TypeId`, `phonenumber`…, and retries 5 times when the URL times out. eSMS signs nothing, so the
URL carries a secret path segment (SMS_ESMS_CALLBACK_TOKEN). Reading of the statuses: SendStatus 5 with a
success is "delivered"; 5 with only failures is "not delivered" by the carrier (a phone off or out of reach: a
passing problem, sent again with a new RequestId while attempts remain); 4 is eSMS refusing the message
(content, brandname: sending the same again cannot help, the row fails); 1, 2 and 7 are interim and only
acknowledged. The SMS callback carries no reason text, so the reason recorded is the status itself.

Zalo: the OA webhook posts JSON events signed `X-ZEvent-Signature: mac=<sha256 hex of app_id + raw body +
timestamp + OA secret key>` (app_id and timestamp read from the body). `user_received_message` with
`message.msg_id` is the ZNS message reaching the phone: "delivered". Other events are acknowledged and ignored.

Both answer 200 once the report is stored (also for a message not known yet: it is applied when the worker
records the send), 403 when the secret or signature does not match, 400 when the report is unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .constants import Provider, ReportOutcome

logger = logging.getLogger(__name__)

ESMS_STATUS = {
    "1": "Chờ duyệt",
    "2": "Chờ gửi",
    "4": "eSMS từ chối gửi tin",
    "5": "Đã gửi xong",
    "7": "Đã gửi, chờ báo cáo của nhà mạng",
}


def _count(value) -> int:
    try:
        return int(str(value or "0").strip() or "0")
    except ValueError:
        return 0


def esms_outcome(params) -> tuple[str, str, str, bool] | None:
    """(outcome, code, message, retry) for an eSMS callback's parameters, or None for an interim status."""
    status = str(params.get("SendStatus", "")).strip()
    success, failed = _count(params.get("SendSuccess")), _count(params.get("SendFailed"))
    code = f"SendStatus={status}"
    if status == "5" and success > 0:
        return ReportOutcome.DELIVERED, code, "eSMS: tin đã đến máy người nhận", False
    if status == "5" and failed > 0:
        return ReportOutcome.FAILED, code, "eSMS: nhà mạng báo không gửi được tin đến số này", True
    if status == "4":
        return ReportOutcome.FAILED, code, "eSMS từ chối gửi tin (nội dung hoặc brandname)", False
    return None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def esms_report(request, token: str):
    expected = settings.SMS_ESMS_CALLBACK_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return HttpResponseForbidden("Invalid callback token")
    params = request.GET if request.method == "GET" else request.POST
    message_id = str(params.get("SMSID", "")).strip()
    if not message_id:
        return HttpResponseBadRequest("SMSID is required")
    reading = esms_outcome(params)
    if reading is None:
        status = str(params.get("SendStatus", ""))
        return JsonResponse({"result": "ignored", "status": ESMS_STATUS.get(status, status)})
    outcome, code, message, retry = reading
    result = services.delivery_report(
        provider=Provider.ESMS,
        message_id=message_id,
        outcome=outcome,
        code=code,
        message=message,
        retry=retry,
    )
    logger.info("eSMS report %s %s: %s", message_id, outcome, result)
    return JsonResponse({"result": result})


def zalo_signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The X-ZEvent-Signature value Zalo sends with a webhook event."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    return f"mac={digest}"


@csrf_exempt
@require_POST
def zalo_webhook(request):
    secret = settings.ZALO_WEBHOOK_SECRET_KEY
    if not secret:
        return HttpResponseForbidden("Webhook not configured")
    try:
        event = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponseBadRequest("Invalid JSON")
    if not isinstance(event, dict):
        return HttpResponseBadRequest("Invalid event")
    app_id, timestamp = str(event.get("app_id", "")), str(event.get("timestamp", ""))
    expected = zalo_signature(app_id=app_id, body=request.body, timestamp=timestamp, secret=secret)
    given = request.headers.get("X-ZEvent-Signature", "")
    if not hmac.compare_digest(given.encode(), expected.encode()) or app_id != settings.ZALO_APP_ID:
        return HttpResponseForbidden("Invalid signature")
    try:
        age = timezone.now().timestamp() - int(timestamp) / 1000  # Zalo's timestamps are in milliseconds
    except ValueError:
        return HttpResponseBadRequest("Invalid timestamp")
    if age > settings.ZALO_WEBHOOK_MAX_AGE_SECONDS:
        return HttpResponseForbidden("Event too old")
    if event.get("event_name") != "user_received_message":
        return JsonResponse({"result": "ignored"})
    message_id = str((event.get("message") or {}).get("msg_id", "")).strip()
    if not message_id:
        return HttpResponseBadRequest("msg_id is required")
    result = services.delivery_report(
        provider=Provider.ZALO,
        message_id=message_id,
        outcome=ReportOutcome.DELIVERED,
        code="user_received_message",
        message="Zalo: tin ZNS đã đến máy người nhận",
    )
    logger.info("Zalo report %s: %s", message_id, result)
    return JsonResponse({"result": result})
