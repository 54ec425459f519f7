"""Delivery reports: eSMS's CallbackUrl and the Zalo webhook mark a sent message delivered (or not delivered,
with the reason, retried or dropped by the error's nature), idempotent and safe out of order, and the
simulators close the loop after their commit."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services, simulators
from notifications.channels import Sent
from notifications.constants import AttemptOutcome, Channel, Kind, Provider, ReportOutcome, Status
from notifications.models import DeliveryEvent, Notification, ProviderReport, SimulatedMessage
from notifications.reports import zalo_signature
from tests.dossiers.factories import submitted

from .conftest import verify_phone

TOKEN = "callback-secret"


@pytest.fixture(autouse=True)
def _callbacks(settings):
    settings.SMS_ESMS_CALLBACK_TOKEN = TOKEN
    settings.SMS_ESMS_CALLBACK_URL = f"{settings.SITE_URL}/thong-bao/bao-cao-gui/esms/{TOKEN}/"
    settings.ZALO_WEBHOOK_SECRET_KEY = "oa-secret"


def esms_url(token: str = TOKEN) -> str:
    return reverse("notifications:esms_report", kwargs={"token": token})


def sent_sms(province, sms_citizen, deliver_after_commit) -> Notification:
    deliver_after_commit(submitted, province, sms_citizen)
    row = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.SMS)
    assert row.status == Status.SENT and row.provider_message_id.startswith("sim-")
    return row


def report(client, row, *, success: int, failed: int, status: str = "5", token: str = TOKEN):
    return client.get(
        esms_url(token),
        {
            "SMSID": row.provider_message_id,
            "SendStatus": status,
            "SendSuccess": success,
            "SendFailed": failed,
        },
    )


def test_the_sms_carries_the_callback_url_and_the_report_marks_it_delivered_once(
    client, province, sms_citizen, deliver_after_commit
):
    row = sent_sms(province, sms_citizen, deliver_after_commit)
    message = SimulatedMessage.objects.get(provider="esms", request_id=row.request_id)
    assert message.callback_url.endswith(esms_url())

    response = report(client, row, success=1, failed=0)
    assert response.status_code == 200 and response.json() == {"result": "applied"}
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.delivered_at is not None
    assert row.delivery_events.filter(outcome=AttemptOutcome.DELIVERED).count() == 1

    # eSMS retries its callback: nothing changes, no second event
    assert report(client, row, success=1, failed=0).json() == {"result": "duplicate"}
    # a late failure report never takes a delivered message back
    assert report(client, row, success=0, failed=1).json() == {"result": "ignored"}
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.delivery_events.count() == 2  # sent, delivered


def test_a_report_with_the_wrong_token_or_without_smsid_changes_nothing(
    client, province, sms_citizen, deliver_after_commit, settings
):
    row = sent_sms(province, sms_citizen, deliver_after_commit)
    assert report(client, row, success=1, failed=0, token="guess").status_code == 403
    assert client.get(esms_url(), {"SendStatus": "5", "SendSuccess": "1"}).status_code == 400
    # interim statuses are acknowledged only
    assert report(client, row, success=0, failed=0, status="7").json()["result"] == "ignored"
    settings.SMS_ESMS_CALLBACK_TOKEN = ""
    assert report(client, row, success=1, failed=0, token="x").status_code == 403
    row.refresh_from_db()
    assert row.status == Status.SENT and not ProviderReport.objects.exists()


def test_an_undelivered_sms_is_sent_again_later_with_a_new_request_id(
    client, province, sms_citizen, deliver_after_commit, clock
):
    row = sent_sms(province, sms_citizen, deliver_after_commit)
    first_request = row.request_id
    assert report(client, row, success=0, failed=1).json() == {"result": "applied"}
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.resends == 1 and row.next_attempt_at > timezone.now()
    assert row.error_code == "SendStatus=5" and "nhà mạng" in row.error_message
    assert row.request_id != first_request  # eSMS would drop the same RequestId as a duplicate (124)

    # the beat task hands it to a worker once its time has come: a second SMS reaches the provider
    clock.move_to(row.next_attempt_at)
    deliver_after_commit(services.notifications_requeue)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert SimulatedMessage.objects.filter(provider="esms", request_id=row.request_id).count() == 1
    assert SimulatedMessage.objects.filter(provider="esms", request_id=first_request).count() == 1


def test_a_message_refused_by_esms_fails_with_its_reason_and_shows_on_the_dossier_page(
    client, province, sms_citizen, deliver_after_commit
):
    row = sent_sms(province, sms_citizen, deliver_after_commit)
    report(client, row, success=0, failed=1, status="4")
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.resends == 0
    assert row.delivery_events.filter(outcome=AttemptOutcome.UNDELIVERED, code="SendStatus=4").exists()
    client.force_login(sms_citizen)
    page = client.get(reverse("dossiers:detail", args=[row.dossier_id])).content.decode()
    assert "eSMS từ chối gửi tin" in page and 'data-status="failed"' in page


def test_a_report_before_the_worker_recorded_the_send_is_applied_when_it_does(
    province, sms_citizen, deliver_after_commit
):
    # the provider reports faster than the worker writes the message id down
    assert (
        services.delivery_report(
            provider=Provider.ESMS, message_id="sim-early", outcome=ReportOutcome.DELIVERED
        )
        == "waiting"
    )
    deliver_after_commit(submitted, province, sms_citizen)
    row = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.SMS)
    assert row.status == Status.SENT
    # when the worker sends a row and the provider's id is the one already reported, the report applies
    Notification.objects.filter(pk=row.pk).update(status=Status.PENDING, next_attempt_at=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "notifications.channels.sms.EsmsChannel.send",
            lambda self, n: Sent(provider_message_id="sim-early"),
        )
        services.notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.provider_message_id == "sim-early"
    assert ProviderReport.objects.get(message_id="sim-early").notification == row
    # and the worker's own "sent" came before "delivered" in the history, never after it
    outcomes = list(row.delivery_events.values_list("outcome", flat=True))
    assert outcomes[-2:] == [AttemptOutcome.SENT, AttemptOutcome.DELIVERED]


def test_the_simulators_report_after_commit_and_the_dossier_page_shows_delivered(
    client, province, sms_citizen, deliver_after_commit, simulator_reports
):
    deliver_after_commit(submitted, province, sms_citizen)
    row = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.SMS)
    assert row.status == Status.DELIVERED
    assert SimulatedMessage.objects.get(provider="esms", request_id=row.request_id).reported == "delivered"
    client.force_login(sms_citizen)
    page = client.get(reverse("dossiers:detail", args=[row.dossier_id])).content.decode()
    assert 'data-status="delivered"' in page and "Đã nhận" in page


def _zalo_event(msg_id: str, *, app_id: str = "simulator", at=None) -> bytes:
    at = at or timezone.now()
    return json.dumps(
        {
            "app_id": app_id,
            "event_name": "user_received_message",
            "timestamp": str(int(at.timestamp() * 1000)),
            "sender": {"id": "oa"},
            "recipient": {"id": "u"},
            "message": {"msg_id": msg_id, "delivery_time": ""},
        }
    ).encode()


def _post_zalo(client, body: bytes, secret: str = "oa-secret"):
    event = json.loads(body)
    signature = zalo_signature(app_id=event["app_id"], body=body, timestamp=event["timestamp"], secret=secret)
    return client.post(
        reverse("notifications:zalo_webhook"),
        body,
        content_type="application/json",
        headers={"X-ZEvent-Signature": signature},
    )


@pytest.fixture
def zalo_row(province, deliver_after_commit):
    citizen = province.citizen
    verify_phone(citizen, "0905123456", deliver_after_commit)
    services.preferences_save(user=citizen, choices={Kind.SUBMITTED: ["zalo"]})
    deliver_after_commit(submitted, province, citizen)
    row = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.ZALO)
    assert row.status == Status.SENT
    return row


def test_the_zalo_webhook_marks_a_zns_message_delivered_when_the_signature_holds(client, zalo_row):
    body = _zalo_event(zalo_row.provider_message_id)
    assert _post_zalo(client, body, secret="wrong").status_code == 403
    assert _post_zalo(client, _zalo_event(zalo_row.provider_message_id, app_id="other")).status_code == 403
    old = timezone.now() - timezone.timedelta(days=2)
    assert _post_zalo(client, _zalo_event(zalo_row.provider_message_id, at=old)).status_code == 403
    zalo_row.refresh_from_db()
    assert zalo_row.status == Status.SENT

    assert _post_zalo(client, body).json() == {"result": "applied"}
    assert _post_zalo(client, body).json() == {"result": "duplicate"}
    zalo_row.refresh_from_db()
    assert zalo_row.status == Status.DELIVERED
    assert DeliveryEvent.objects.filter(notification=zalo_row, outcome=AttemptOutcome.DELIVERED).count() == 1
    # other events are acknowledged and ignored
    other = json.loads(body)
    other["event_name"] = "user_seen_message"
    assert _post_zalo(client, json.dumps(other).encode()).json() == {"result": "ignored"}


def test_the_zalo_simulator_reports_through_the_signed_webhook(zalo_row):
    message = SimulatedMessage.objects.get(provider="zalo")
    assert simulators.report(message, "delivered") == 200
    zalo_row.refresh_from_db()
    assert zalo_row.status == Status.DELIVERED


def test_the_simulator_page_reports_on_demand(client, province, sms_citizen, deliver_after_commit):
    row = sent_sms(province, sms_citizen, deliver_after_commit)
    message = SimulatedMessage.objects.get(provider="esms", request_id=row.request_id)
    page = client.get(reverse("simulators:messages")).content.decode()
    assert reverse("simulators:report", args=[message.pk]) in page
    response = client.post(reverse("simulators:report", args=[message.pk]), {"outcome": "failed"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.resends == 1
