"""A real Celery worker on Redis delivers a dossier's SMS through the simulator, and the simulator's delivery
report (a task on the same queue, after the simulator's commit) marks it delivered: only when CI configures a
broker (CELERY_BROKER_URL, CELERY_RESULT_BACKEND) and PostgreSQL, which the worker process shares."""

from __future__ import annotations

import time

import pytest

from notifications import services
from notifications.constants import AttemptOutcome, Channel, Kind, Status
from notifications.models import Notification, SimulatedMessage
from tests.celery_worker import celery_worker, needs_broker, worker_database_url
from tests.dossiers.factories import Province, submitted

from .conftest import verify_phone

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    needs_broker,
]


def test_a_worker_on_the_notifications_queue_delivers_the_sms(django_capture_on_commit_callbacks):
    province = Province()
    citizen = province.citizen

    def in_process(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    verify_phone(citizen, "0905123456", in_process)
    services.preferences_save(user=citizen, choices={Kind.SUBMITTED: ["sms"]})

    with celery_worker("notifications", DATABASE_URL=worker_database_url(), NOTIFY_SIMULATOR_REPORTS="true"):
        submitted(province, citizen)  # commits; the outbox hands the delivery task to Redis
        sms = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.SMS)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            sms.refresh_from_db()
            if sms.status not in (Status.PENDING, Status.SENDING, Status.SENT):
                break
            time.sleep(0.5)
    assert sms.status == Status.DELIVERED, sms.error_message
    assert sms.delivery_events.filter(outcome=AttemptOutcome.DELIVERED).count() == 1
    message = SimulatedMessage.objects.get(provider="esms", request_id=sms.request_id)
    assert message.phone == "84905123456" and "Ho so" in message.content
