"""The simulators over real HTTP (a WSGI server drops headers with "_", such as Zalo's `access_token`): the
simulators' transport repeats them as X-Underscore-…, the production adapter's request is unchanged, and the
whole loop — send, then the provider's delivery report — works against a running server."""

from __future__ import annotations

import httpx
import pytest
from django.db import transaction
from django.urls import reverse

from notifications import services
from notifications.channels.zalo import ZaloZnsChannel
from notifications.constants import Channel, Kind, Status
from notifications.models import Notification
from notifications.simulators import SimulatorHttpTransport


def test_the_transport_repeats_underscore_headers_and_keeps_the_originals(monkeypatch):
    seen = {}

    def fake(self, request):
        seen.update(request.headers)
        return httpx.Response(200, json={})

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", fake)
    with httpx.Client(transport=SimulatorHttpTransport()) as client:
        client.post("http://127.0.0.1:1/x", headers={"access_token": "t", "secret_key": "s", "X-Plain": "p"})
    assert seen["access_token"] == "t" and seen["x-underscore-access-token"] == "t"
    assert seen["secret_key"] == "s" and seen["x-underscore-secret-key"] == "s"
    assert "x-underscore-x-plain" not in seen


def test_the_zalo_simulator_reads_the_wsgi_safe_copy(client, db):
    url = reverse("simulators:zalo_send")
    body = {"phone": "84905123456", "template_id": "1", "template_data": {}}
    assert client.post(url, body, content_type="application/json").json()["error"] == -124
    ok = client.post(
        url, body, content_type="application/json", headers={"X-Underscore-Access-Token": "at-simulator"}
    )
    assert ok.json()["error"] == 0


def test_the_production_adapter_sends_only_what_zalo_expects(monkeypatch, db, settings):
    settings.NOTIFY_SIMULATORS = False
    sent = {}

    def fake(self, request):
        sent.update(request.headers)
        return httpx.Response(200, json={"error": 0, "data": {"msg_id": "m"}})

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", fake)
    row = Notification(address="0905123456", template_id="1", params={}, idempotency_key="k")
    channel = ZaloZnsChannel(
        url="https://zalo.invalid/message/template",
        oauth_url="https://zalo.invalid/oauth",
        app_id="a",
        secret_key="s",
        development=False,
        timeout=5,
    )
    assert channel.send(row).provider_message_id == "m"
    assert "access_token" in sent and not any(name.startswith("x-underscore") for name in sent)


@pytest.mark.django_db(transaction=True)
def test_send_and_delivery_report_over_real_http(live_server, settings, province):
    base = live_server.url
    settings.NOTIFY_SIMULATOR_TRANSPORT = "http"
    settings.NOTIFY_SIMULATOR_REPORTS = True
    settings.SITE_URL = base
    settings.ZALO_ZNS_URL = f"{base}/gia-lap/zalo/message/template"
    settings.ZALO_OAUTH_URL = f"{base}/gia-lap/zalo/v4/oa/access_token"
    settings.SMS_ESMS_URL = f"{base}/gia-lap/esms/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    settings.SMS_ESMS_CALLBACK_URL = f"{base}/thong-bao/bao-cao-gui/esms/{settings.SMS_ESMS_CALLBACK_TOKEN}/"
    with transaction.atomic():
        rows = services.notify(
            kind=Kind.RESULT_READY,
            event_key="over-http",
            recipients=[province.citizen],
            context={"code": "X-1"},
            targets=[services.Target(Channel.ZALO, "0905123456"), services.Target(Channel.SMS, "0905123456")],
        )
    for row in rows:
        row.refresh_from_db()
        # the server's own task reported the delivery back to the server's endpoints after its commit
        assert row.status == Status.DELIVERED, (row.channel, row.status, row.error_message)
