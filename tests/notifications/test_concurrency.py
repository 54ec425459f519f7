"""Two workers handed the same row at once (the outbox and the beat task both sent it): one sends, the
other finds it claimed. On PostgreSQL, with real parallel connections."""

from __future__ import annotations

import pytest

from notifications import services
from notifications.constants import Channel, Kind, Status
from notifications.models import Notification, SimulatedMessage
from tests.dossiers.concurrency import in_parallel
from tests.dossiers.factories import Province

from .conftest import verify_phone

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_on_one_row_send_one_sms(monkeypatch, django_capture_on_commit_callbacks):
    province = Province()
    citizen = province.citizen

    def deliver_after_commit(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    verify_phone(citizen, "0905123456", deliver_after_commit)
    services.preferences_save(user=citizen, choices={Kind.RECEIVED: ["sms"]})
    # the row is written without its own dispatch: the two workers below are the only senders
    monkeypatch.setattr(services.outbox, "enqueue", lambda *args, **kwargs: None)
    services.notify(kind=Kind.RECEIVED, event_key="race", recipients=[citizen], context={"code": "X-1"})
    row = Notification.objects.get(kind=Kind.RECEIVED, channel=Channel.SMS)

    results = in_parallel(lambda: services.notification_deliver(notification_id=row.pk), [(), (), ()])

    assert sorted(results) == ["sent", "skipped", "skipped"]
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1
    assert SimulatedMessage.objects.filter(provider="esms", request_id=row.request_id).count() == 1
