"""Local simulators of the SMS brandname (eSMS) and Zalo ZNS providers, for development and tests.

Mounted under /gia-lap/ only when NOTIFY_SIMULATORS is on (never in production). They answer with the real
providers' request and reply shapes, keep what they accepted (`SimulatedMessage`, listed on /gia-lap/) and
enforce what matters to the portal: eSMS's RequestId de-duplication (124) and bad numbers (108); Zalo's
access token (-124 when it is not the current one), the single-use refresh token (-14014 when spent) and
phones without Zalo (-118). `SimulatorTransport` lets the production adapters call them in process.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.test import RequestFactory
from django.urls import include, path, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import SimulatedMessage, SimulatorState

_PHONE_84 = re.compile(r"^84[35789]\d{8}$")


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
            provider="esms", phone=phone, content=str(body.get("Content", "")), request_id=request_id
        )
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
        if request.headers.get("access_token") != state.value.get("access_token"):
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
    return JsonResponse({"error": 0, "message": "Success", "data": {"msg_id": f"zns-{message.pk}"}})


@csrf_exempt
@require_POST
def zalo_access_token(request):
    with transaction.atomic():
        state = _state("zalo", _zalo_default())
        if request.headers.get("secret_key") != settings.ZALO_APP_SECRET:
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
    path("esms/MainService.svc/json/SendMultipleMessage_V4_post_json/", esms_send, name="esms_send"),
    path("zalo/message/template", zalo_send, name="zalo_send"),
    path("zalo/v4/oa/access_token", zalo_access_token, name="zalo_access_token"),
]

# Used both by the root URL conf (when NOTIFY_SIMULATORS is on) and by SimulatorTransport to resolve paths.
urlpatterns = [path("gia-lap/", include((patterns, "simulators"), namespace="simulators"))]


class SimulatorTransport(httpx.BaseTransport):
    """An httpx transport that hands the request to the simulator view its path names, in this process."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        match = resolve(request.url.path, urlconf=__name__)
        headers = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request.headers.items()
            if name.lower() not in ("content-type", "content-length", "host")
        }
        django_request = RequestFactory().generic(
            request.method,
            request.url.path,
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
