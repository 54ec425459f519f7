"""Local simulators of the SMS brandname (eSMS) and Zalo ZNS providers, for development and tests.

Mounted under /gia-lap/ only when NOTIFY_SIMULATORS is on (never in production). They answer with the real
providers' request and reply shapes, keep what they accepted (`SimulatedMessage`, listed on /gia-lap/) and
enforce what matters to the portal: eSMS's RequestId de-duplication (124) and bad numbers (108); Zalo's
access token (-124 when it is not the current one), the single-use refresh token (-14014 when spent) and
phones without Zalo (-118). `SimulatorTransport` lets the production adapters call them in process.

Delivery reports: after its commit, each simulator reports an accepted message as delivered the way the
provider does — eSMS by calling the message's CallbackUrl (GET, SMSID/SendStatus/SendSuccess/SendFailed),
Zalo by posting a signed `user_received_message` event to the portal's webhook — through the task
`notifications.simulator_report` (NOTIFY_SIMULATOR_REPORTS), or on demand from the buttons of the /gia-lap/
page ("delivered" or "not delivered").

Headers with "_": Zalo's API takes `access_token` and `secret_key` as headers, which WSGI servers
(runserver, gunicorn) drop. The production adapter sends them as Zalo wants; over real HTTP to the simulators
(NOTIFY_SIMULATOR_TRANSPORT=http) `SimulatorHttpTransport` repeats each such header as
`X-Underscore-<Name-With-Dashes>` (access_token → X-Underscore-Access-Token), and the simulators read the
header itself first, then that copy (`_header`). Zalo never sees the copy: the transport is used only with
NOTIFY_SIMULATORS on.
"""

from __future__ import annotations

import json
import logging
import re
import uuid

import httpx
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.test import RequestFactory
from django.urls import include, path, resolve, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal import outbox

from .models import SimulatedMessage, SimulatorState

logger = logging.getLogger(__name__)

_PHONE_84 = re.compile(r"^84[35789]\d{8}$")
REPORT_TASK = "notifications.simulator_report"


def _header(request, name: str) -> str:
    """A request header, or its WSGI-safe copy X-Underscore-… (see the module's docstring)."""
    copy = "X-Underscore-" + "-".join(part.capitalize() for part in name.split("_"))
    return request.headers.get(name) or request.headers.get(copy) or ""


def _schedule_report(message: SimulatedMessage) -> None:
    """Report the message delivered once this transaction commits (like the provider, a moment later)."""
    if settings.NOTIFY_SIMULATOR_REPORTS:
        outbox.enqueue(REPORT_TASK, message.pk, "delivered", queue="notifications")


def _state(key: str, default: dict) -> SimulatorState:
    row, _created = SimulatorState.objects.select_for_update().get_or_create(
        key=key, defaults={"value": default}
    )
    return row


def _zalo_default() -> dict:
    return {
        "access_token": settings.ZALO_OA_ACCESS_TOKEN,
        "refresh_token": settings.ZALO_OA_REFRESH_TOKEN,
        "no_zalo": [],
        "fail_next": [],
    }


def _pop_failure(row: SimulatorState) -> str | None:
    queued = list(row.value.get("fail_next") or [])
    if not queued:
        return None
    code = str(queued.pop(0))
    row.value = {**row.value, "fail_next": queued}
    row.save(update_fields=["value"])
    return code


@csrf_exempt
@require_POST
def esms_send(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"CodeResult": "99", "ErrorMessage": "Invalid JSON"})
    with transaction.atomic():
        state = _state("esms", {"fail_next": []})
        if (
            body.get("ApiKey") != settings.SMS_ESMS_API_KEY
            or body.get("SecretKey") != settings.SMS_ESMS_SECRET_KEY
        ):
            return JsonResponse({"CodeResult": "101", "ErrorMessage": "Authorize Failed"})
        if body.get("Brandname") != settings.SMS_BRANDNAME:
            return JsonResponse({"CodeResult": "104", "ErrorMessage": "Brandname is not exist"})
        phone = str(body.get("Phone", ""))
        if not _PHONE_84.match(phone):
            return JsonResponse({"CodeResult": "108", "ErrorMessage": "Phone number is invalid"})
        failure = _pop_failure(state)
        if failure:
            return JsonResponse({"CodeResult": failure, "ErrorMessage": "Simulated failure"})
        request_id = str(body.get("RequestId", ""))[:50]
        if request_id and SimulatedMessage.objects.filter(provider="esms", request_id=request_id).exists():
            return JsonResponse({"CodeResult": "124", "ErrorMessage": "RequestId is duplicate"})
        message = SimulatedMessage.objects.create(
            provider="esms",
            phone=phone,
            content=str(body.get("Content", "")),
            request_id=request_id,
            callback_url=str(body.get("CallbackUrl") or "")[:500],
        )
        if message.callback_url:
            _schedule_report(message)
    return JsonResponse({"CodeResult": "100", "CountRegenerate": 0, "SMSID": f"sim-{message.pk}"})


@csrf_exempt
@require_POST
def zalo_send(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": -100, "message": "Invalid JSON"})
    with transaction.atomic():
        state = _state("zalo", _zalo_default())
        if _header(request, "access_token") != state.value.get("access_token"):
            return JsonResponse({"error": -124, "message": "Access token is invalid"})
        phone = str(body.get("phone", ""))
        if not _PHONE_84.match(phone):
            return JsonResponse({"error": -108, "message": "Phone number is invalid"})
        if phone in state.value.get("no_zalo", []):
            return JsonResponse({"error": -118, "message": "Zalo account not existed"})
        failure = _pop_failure(state)
        if failure:
            return JsonResponse({"error": int(failure), "message": "Simulated failure"})
        message = SimulatedMessage.objects.create(
            provider="zalo",
            phone=phone,
            template_id=str(body.get("template_id", "")),
            data=body.get("template_data") or {},
            request_id=str(body.get("tracking_id", ""))[:64],
        )
        _schedule_report(message)
    return JsonResponse({"error": 0, "message": "Success", "data": {"msg_id": f"zns-{message.pk}"}})


@csrf_exempt
@require_POST
def zalo_access_token(request):
    with transaction.atomic():
        state = _state("zalo", _zalo_default())
        if _header(request, "secret_key") != settings.ZALO_APP_SECRET:
            return JsonResponse({"error": -14002, "error_description": "Invalid secret key"})
        if request.POST.get("grant_type") != "refresh_token" or request.POST.get(
            "refresh_token"
        ) != state.value.get("refresh_token"):
            return JsonResponse({"error": -14014, "error_description": "Invalid refresh token"})
        pair = {"access_token": f"at-{uuid.uuid4().hex}", "refresh_token": f"rt-{uuid.uuid4().hex}"}
        state.value = {**state.value, **pair}
        state.save(update_fields=["value"])
    return JsonResponse({**pair, "expires_in": "90000"})


@require_GET
def messages_page(request):
    messages = SimulatedMessage.objects.all()[:50]
    return render(request, "notifications/simulator.html", {"simulated": messages})


@require_POST
def report_page(request, pk: int):
    """The simulator page's buttons: report one message delivered or not delivered now."""
    outcome = request.POST.get("outcome")
    if outcome not in ("delivered", "failed"):
        raise Http404
    message = get_object_or_404(SimulatedMessage, pk=pk)
    report(message, outcome)
    return redirect("simulators:messages")


def _local_transport():
    """The portal's own URLs, called in this process (NOTIFY_SIMULATOR_TRANSPORT=inprocess) or over HTTP."""
    if settings.NOTIFY_SIMULATOR_TRANSPORT == "inprocess":
        return SimulatorTransport(urlconf=settings.ROOT_URLCONF)
    return None


def report(message: SimulatedMessage, outcome: str) -> int:
    """Send the provider's delivery report of `message` to the portal, as the provider would; returns the
    portal's HTTP status. eSMS: GET on the message's CallbackUrl; Zalo: a signed webhook event (delivered only:
    Zalo has no "not delivered" event)."""
    from .reports import zalo_signature  # the portal's side of the webhook, signed the same way

    with httpx.Client(
        transport=_local_transport(), timeout=settings.NOTIFY_PROVIDER_TIMEOUT_SECONDS
    ) as client:
        if message.provider == "esms":
            if not message.callback_url:
                return 0
            delivered = outcome == "delivered"
            params = {
                "SMSID": message.provider_message_id,
                "SendStatus": "5",
                "SendSuccess": "1" if delivered else "0",
                "SendFailed": "0" if delivered else "1",
                "TotalReceiver": "1",
                "TotalSent": "1",
                "RequestId": message.request_id,
                "TypeId": "2",
                "phonenumber": "0" + message.phone[2:],
            }
            response = client.get(message.callback_url, params=params)
        else:
            if outcome != "delivered":
                return 0
            event = {
                "app_id": settings.ZALO_APP_ID,
                "event_name": "user_received_message",
                "timestamp": str(int(timezone.now().timestamp() * 1000)),
                "sender": {"id": "simulator-oa"},
                "recipient": {"id": message.phone},
                "message": {"msg_id": message.provider_message_id, "delivery_time": ""},
            }
            body = json.dumps(event).encode()
            signature = zalo_signature(
                app_id=event["app_id"],
                body=body,
                timestamp=event["timestamp"],
                secret=settings.ZALO_WEBHOOK_SECRET_KEY,
            )
            response = client.post(
                f"{settings.SITE_URL}{reverse('notifications:zalo_webhook')}",
                content=body,
                headers={"content-type": "application/json", "X-ZEvent-Signature": signature},
            )
    SimulatedMessage.objects.filter(pk=message.pk).update(reported=outcome)
    logger.info(
        "Simulator %s reported %s %s: %s", message.provider, message.pk, outcome, response.status_code
    )
    return response.status_code


def expire_zalo_access_token() -> None:
    """The simulated OA's access token expires (a test makes the provider answer -124)."""
    with transaction.atomic():
        state = _state("zalo", _zalo_default())
        state.value = {**state.value, "access_token": f"at-{uuid.uuid4().hex}"}
        state.save(update_fields=["value"])


def set_zalo_missing(phone_84: str) -> None:
    with transaction.atomic():
        state = _state("zalo", _zalo_default())
        state.value = {**state.value, "no_zalo": [*state.value.get("no_zalo", []), phone_84]}
        state.save(update_fields=["value"])


def fail_next(provider: str, *codes: str) -> None:
    """The next sends of `provider` ("esms" or "zalo") answer these error codes, one each."""
    with transaction.atomic():
        state = _state(provider, _zalo_default() if provider == "zalo" else {"fail_next": []})
        state.value = {**state.value, "fail_next": [*state.value.get("fail_next", []), *codes]}
        state.save(update_fields=["value"])


patterns = [
    path("", messages_page, name="messages"),
    path("<int:pk>/bao-cao/", report_page, name="report"),
    path("esms/MainService.svc/json/SendMultipleMessage_V4_post_json/", esms_send, name="esms_send"),
    path("zalo/message/template", zalo_send, name="zalo_send"),
    path("zalo/v4/oa/access_token", zalo_access_token, name="zalo_access_token"),
]

# Used both by the root URL conf (when NOTIFY_SIMULATORS is on) and by SimulatorTransport to resolve paths.
urlpatterns = [path("gia-lap/", include((patterns, "simulators"), namespace="simulators"))]


class SimulatorTransport(httpx.BaseTransport):
    """An httpx transport that hands the request to the view its path names, in this process (the simulators'
    views by default; the portal's own URLs for the simulators' delivery reports)."""

    def __init__(self, urlconf: str = __name__):
        self.urlconf = urlconf

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        match = resolve(request.url.path, urlconf=self.urlconf)
        headers = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request.headers.items()
            if name.lower() not in ("content-type", "content-length", "host")
        }
        path = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
        django_request = RequestFactory().generic(
            request.method,
            path,
            data=request.read(),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            **headers,
        )
        response: HttpResponse = match.func(django_request, *match.args, **match.kwargs)
        return httpx.Response(
            response.status_code,
            headers={"content-type": response.get("Content-Type", "application/json")},
            content=response.content,
        )


class SimulatorHttpTransport(httpx.HTTPTransport):
    """Real HTTP to the simulators of a running server: headers whose name has "_" are repeated as
    X-Underscore-… (which WSGI servers keep), the originals left as they are."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for name, value in list(request.headers.items()):
            if "_" in name:
                copy = "X-Underscore-" + "-".join(part.capitalize() for part in name.split("_"))
                request.headers[copy] = value
        return super().handle_request(request)
