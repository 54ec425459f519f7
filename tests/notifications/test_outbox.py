"""Notifications are written with their event, delivered after commit, retried with backoff, never lost
when the broker is down, and sent at most once per channel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from dossiers import services as dossier_services
from dossiers.models import DossierEvent
from notifications import services, simulators
from notifications.constants import AttemptOutcome, Channel, Kind, Status
from notifications.models import Notification, SimulatedMessage
from portal.models import PendingTask
from portal.tasks import outbox_dispatch
from tests.dossiers.factories import submitted

PHONE = "84905123456"


def rows(kind: str, **filters):
    return Notification.objects.filter(kind=kind, **filters).order_by("channel")


def test_the_notifications_are_written_in_the_events_transaction_and_roll_back_with_it(province, sms_citizen):
    dossier = submitted(province, sms_citizen)
    tasks_before = PendingTask.objects.count()
    # when the reception fails after the event was written
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_services.dossier_receive(dossier=dossier, actor=province.officer)
        assert rows(Kind.RECEIVED).count() == 2  # inbox and SMS, inside the transaction
        raise RuntimeError("the reception's transaction fails")
    # then neither the event nor its notifications nor their delivery task exist
    assert not DossierEvent.objects.filter(dossier=dossier, action="receive").exists()
    assert not rows(Kind.RECEIVED).exists()
    assert PendingTask.objects.count() == tasks_before
    # and when it succeeds, both come with the event
    dossier_services.dossier_receive(dossier=dossier, actor=province.officer)
    event = DossierEvent.objects.get(dossier=dossier, action="receive")
    received = list(rows(Kind.RECEIVED))
    assert [n.channel for n in received] == [Channel.INBOX, Channel.SMS]
    assert {n.idempotency_key for n in received} == {
        f"dossier-event:{event.pk}:{sms_citizen.pk}:inbox",
        f"dossier-event:{event.pk}:{sms_citizen.pk}:sms",
    }
    inbox, sms = received
    assert inbox.status == Status.DELIVERED and inbox.read_at is None
    assert sms.status == Status.PENDING and sms.address == "0905123456"
    dossier.refresh_from_db()
    assert dossier.code in sms.body and "Hen tra ket qua" in sms.body  # folded to GSM text
    assert PendingTask.objects.filter(
        task=services.DELIVER_TASK, args=[sms.pk], queue="notifications"
    ).exists()


def test_after_commit_the_sms_goes_through_the_provider_with_the_rows_request_id(
    province, sms_citizen, deliver_after_commit
):
    dossier = deliver_after_commit(submitted, province, sms_citizen)
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    assert sms.status == Status.SENT and sms.provider_message_id.startswith("sim-")
    message = SimulatedMessage.objects.get(provider="esms", request_id=sms.request_id)
    assert (
        message.phone == PHONE and dossier.procedure_version.name[:10] not in message.content
    )  # no diacritics
    assert sms.delivery_events.get().outcome == AttemptOutcome.SENT


def test_a_passing_provider_error_is_retried_with_backoff(province, sms_citizen, deliver_after_commit, clock):
    simulators.fail_next("esms", "103", "103")  # insufficient balance, twice
    deliver_after_commit(submitted, province, sms_citizen)
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    first_try = sms.delivery_events.get()
    assert sms.status == Status.PENDING and sms.error_code == "103"
    assert first_try.outcome == AttemptOutcome.RETRY and "103" in first_try.message
    assert sms.next_attempt_at == pytest.approx(
        first_try.at + dt.timedelta(seconds=60), abs=dt.timedelta(seconds=1)
    )
    # the beat task leaves it alone until its time has come
    assert services.notifications_requeue()["queued"] == 0
    clock.shift(dt.timedelta(seconds=61))
    assert services.notifications_requeue()["queued"] == 1
    sms.refresh_from_db()
    assert sms.status == Status.PENDING and sms.attempts == 2
    assert sms.next_attempt_at - sms.delivery_events.last().at == pytest.approx(
        dt.timedelta(seconds=120), abs=dt.timedelta(seconds=1)
    )  # doubled
    clock.shift(dt.timedelta(seconds=121))
    services.notifications_requeue()
    sms.refresh_from_db()
    assert sms.status == Status.SENT and sms.attempts == 3 and sms.error_code == ""
    assert SimulatedMessage.objects.filter(request_id=sms.request_id).count() == 1


def test_a_bad_number_is_dropped_not_retried(province, sms_citizen, deliver_after_commit, clock):
    simulators.fail_next("esms", "108")
    deliver_after_commit(submitted, province, sms_citizen)
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    assert sms.status == Status.FAILED and sms.error_code == "108"
    clock.shift(dt.timedelta(hours=1))
    assert services.notifications_requeue()["queued"] == 0


def test_attempts_run_out(province, sms_citizen, deliver_after_commit, clock, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    simulators.fail_next("esms", "103", "103", "103")
    deliver_after_commit(submitted, province, sms_citizen)
    clock.shift(dt.timedelta(minutes=5))
    services.notifications_requeue()
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    assert sms.status == Status.FAILED and sms.attempts == 2
    assert [e.outcome for e in sms.delivery_events.all()] == [AttemptOutcome.RETRY, AttemptOutcome.FAILED]


def test_a_broker_outage_loses_nothing(
    province, sms_citizen, broker_down, django_capture_on_commit_callbacks, clock
):
    # given the broker is down while the dossier is submitted
    with django_capture_on_commit_callbacks(execute=True):
        submitted(province, sms_citizen)
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    assert sms.status == Status.PENDING
    assert PendingTask.objects.get(task=services.DELIVER_TASK, args=[sms.pk]).is_pending
    assert not SimulatedMessage.objects.filter(request_id=sms.request_id).exists()
    # and the beat task cannot reach it either
    clock.shift(dt.timedelta(seconds=31))
    assert services.notifications_requeue()["queued"] == 0
    # when the broker is back, the beat task re-queues the row and it is delivered once
    broker_down()
    assert services.notifications_requeue()["queued"] == 1
    sms.refresh_from_db()
    assert sms.status == Status.SENT
    # the outbox's own re-send of the task finds the row sent and does nothing
    outbox_dispatch()
    assert SimulatedMessage.objects.filter(request_id=sms.request_id).count() == 1


def test_one_event_never_gives_two_rows_or_two_sends_on_a_channel(
    province, sms_citizen, deliver_after_commit
):
    deliver_after_commit(submitted, province, sms_citizen)
    event = DossierEvent.objects.get(action="submit")
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    # the same event notified again (a retried service) writes nothing new
    assert (
        services.notify(
            kind=Kind.SUBMITTED, event_key=f"dossier-event:{event.pk}", recipients=[sms_citizen], context={}
        )
        == []
    )
    # the delivery task run again (sent twice by the outbox) sends nothing
    assert services.notification_deliver(notification_id=sms.pk) == "skipped"
    assert SimulatedMessage.objects.filter(request_id=sms.request_id).count() == 1


def test_a_worker_that_died_while_sending_is_replaced_without_a_second_sms(
    province, sms_citizen, deliver_after_commit, clock
):
    deliver_after_commit(submitted, province, sms_citizen)
    sms = rows(Kind.SUBMITTED, channel=Channel.SMS).get()
    # as if the worker had sent the SMS and died before marking the row
    Notification.objects.filter(pk=sms.pk).update(status=Status.SENDING, claimed_at=sms.sent_at)
    clock.shift(dt.timedelta(minutes=11))
    result = services.notifications_requeue()
    assert result["released"] == 1 and result["queued"] == 1
    sms.refresh_from_db()
    # the provider recognised the RequestId (eSMS 124): counted as sent, one SMS only
    assert sms.status == Status.SENT
    assert SimulatedMessage.objects.filter(request_id=sms.request_id).count() == 1
