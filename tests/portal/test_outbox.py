"""The task outbox: work is recorded with the change, survives a broker outage and is sent when it is back."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from celery import shared_task
from django.db import connection, transaction

from portal import outbox
from portal.models import PendingTask
from portal.tasks import outbox_dispatch

CALLS: list[int] = []


@shared_task(name="tests.outbox.record")
def record(value: int) -> int:
    CALLS.append(value)
    return value


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def later(row: PendingTask, **delta) -> dt.datetime:
    """A moment after the row was written (never the wall clock)."""
    return row.created_at + dt.timedelta(**delta)


def test_a_task_runs_after_commit_and_its_row_is_marked_dispatched(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = outbox.enqueue(record, 7, queue="default")
        assert CALLS == []  # nothing runs before the commit
    row.refresh_from_db()
    assert CALLS == [7]
    assert row.task == "tests.outbox.record" and row.args == [7] and row.queue == "default"
    assert row.dispatched_at is not None and row.attempts == 1 and row.last_error == ""


def test_a_rolled_back_change_leaves_no_task(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(record, 1)
        raise RuntimeError("the business change failed")
    assert not PendingTask.objects.exists() and CALLS == []


def test_with_the_broker_down_the_row_stays_pending_and_the_error_stays_in_the_log(
    db, broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = outbox.enqueue(record, 3)
    row.refresh_from_db()
    assert row.is_pending and row.attempts == 1 and row.last_attempt_at is not None
    assert "OperationalError" in row.last_error and "refused" in row.last_error.lower()
    assert "left pending" in caplog.text and CALLS == []
    assert outbox.is_pending(record, 3) and not outbox.is_pending(record, 4)

    # the beat task waits OUTBOX_RETRY_AFTER_SECONDS after the last attempt; while down it still fails quietly
    assert outbox.dispatch_pending(now=later(row, seconds=5))["sent"] == 0
    assert outbox.dispatch_pending(now=later(row, minutes=1)) == {"sent": 0, "pending": 1, "forgotten": 0}
    row.refresh_from_db()
    assert row.is_pending and row.attempts == 2

    broker_down()  # the broker is back (eager: the task runs here)
    assert outbox.dispatch_pending(now=later(row, minutes=2))["sent"] == 1
    row.refresh_from_db()
    assert CALLS == [3] and not row.is_pending and row.attempts == 3 and row.last_error == ""
    # a dispatched row is never sent again
    assert outbox.dispatch_pending(now=later(row, minutes=3))["sent"] == 0 and CALLS == [3]


def test_the_beat_task_sends_in_bounded_batches_oldest_first(db, settings, broker_down):
    rows = [outbox.enqueue(record, n) for n in range(5)]  # written, not yet sent (the test never commits)
    broker_down()
    settings.OUTBOX_BATCH_SIZE = 2
    now = later(rows[-1], minutes=1)
    assert outbox.dispatch_pending(now=now) == {"sent": 2, "pending": 0, "forgotten": 0}
    assert CALLS == [0, 1]
    assert outbox.dispatch_pending(now=now)["sent"] == 2
    assert outbox.dispatch_pending(now=now)["sent"] == 1
    assert CALLS == [0, 1, 2, 3, 4]
    assert not PendingTask.objects.filter(dispatched_at=None).exists()


def test_while_the_broker_is_down_a_run_stops_at_the_first_refusal(db, broker_down):
    rows = [outbox.enqueue(record, n) for n in range(3)]
    result = outbox.dispatch_pending(now=later(rows[-1], minutes=1))
    assert result == {"sent": 0, "pending": 3, "forgotten": 0}
    # only the first was tried: the others do not each wait for a timeout
    assert [r.attempts for r in PendingTask.objects.order_by("pk")] == [1, 0, 0]


def test_dispatched_rows_are_forgotten_after_some_days_pending_ones_never(db, settings, broker_down):
    settings.OUTBOX_KEEP_DAYS = 7
    base = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    PendingTask.objects.create(task=record.name, args=[1], created_at=base, dispatched_at=base, attempts=1)
    pending = PendingTask.objects.create(task=record.name, args=[2], created_at=base)
    assert outbox.dispatch_pending(now=base + dt.timedelta(days=6)) == {
        "sent": 0,
        "pending": 1,
        "forgotten": 0,
    }
    assert outbox.dispatch_pending(now=base + dt.timedelta(days=8)) == {
        "sent": 0,
        "pending": 1,
        "forgotten": 1,
    }
    assert list(PendingTask.objects.values_list("pk", flat=True)) == [pending.pk]


def test_the_beat_task_is_scheduled_and_runs_the_dispatch(db, settings, broker_down):
    schedule = settings.CELERY_BEAT_SCHEDULE["portal-outbox-dispatch"]
    assert schedule["task"] == outbox_dispatch.name == "portal.outbox_dispatch"
    assert schedule["schedule"] == settings.OUTBOX_DISPATCH_SECONDS
    row = outbox.enqueue(record, 5)
    broker_down()
    settings.OUTBOX_RETRY_AFTER_SECONDS = 0
    PendingTask.objects.filter(pk=row.pk).update(last_attempt_at=None)
    assert outbox_dispatch.delay().get()["sent"] == 1 and CALLS == [5]


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, db=3, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def test_when_a_real_broker_is_back_the_beat_task_hands_the_row_to_it(db, broker_down, monkeypatch):
    client = _redis_or_skip()
    queue = "outbox-test"
    client.delete(queue)
    row = outbox.enqueue(record, 9, queue=queue)
    # the web process need not import every task module: a name it does not know is sent for the worker
    unknown = outbox.enqueue("some_app.tasks.not_imported_here", 10, queue=queue)
    from portal.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")  # read before the configuration
    app.conf.broker_url = "redis://127.0.0.1:6379/3"
    app.conf.broker_transport_options = {}
    app._pool = None
    app.amqp._producer_pool = None
    try:
        assert outbox.dispatch_pending(now=later(unknown, minutes=1))["sent"] == 2
        row.refresh_from_db()
        assert not row.is_pending and row.attempts == 1
        messages = client.lrange(queue, 0, -1)
        assert len(messages) == 2
        assert any(b"tests.outbox.record" in m for m in messages)
        assert any(b"some_app.tasks.not_imported_here" in m for m in messages)
        assert CALLS == []  # sent to the broker for a worker, not run here
    finally:
        client.delete(queue)


@pytest.mark.django_db(transaction=True)
def test_a_row_claimed_by_another_run_is_skipped_not_waited_for(broker_down):
    """PostgreSQL: two beat runs at once never send the same row (SELECT … FOR UPDATE SKIP LOCKED)."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; SQLite runs one writer at a time")
    first = outbox.enqueue(record, 1)
    second = outbox.enqueue(record, 2)
    broker_down()
    locked, release = threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic():
                PendingTask.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        assert outbox.dispatch_pending(now=later(second, minutes=1))["sent"] == 1
    finally:
        release.set()
        thread.join(timeout=30)
    assert CALLS == [2]
    assert PendingTask.objects.get(pk=first.pk).is_pending
