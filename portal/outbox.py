"""The task outbox: background work recorded in the transaction of the change that needs it.

`enqueue(task, *args, queue=…)` writes a `PendingTask` row next to the business change; after commit the row is
sent to the broker and marked dispatched. A broker error is logged and the row stays pending: the person who made
the change never sees it, and the beat task `portal.outbox_dispatch` (every `OUTBOX_DISPATCH_SECONDS`) sends
what is still pending. A task may therefore be delivered more than once (sent, then the mark lost), so every
task sent through the outbox takes ids and is idempotent. Without a broker (eager mode) the task runs in
process right after commit, as before, and its errors propagate.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .celery import app
from .models import PendingTask

logger = logging.getLogger(__name__)


def enqueue(task: Task | str, *args, queue: str | None = None) -> PendingTask:
    """Record `task(*args)` in the current transaction and send it once the transaction commits.

    Arguments are stored as JSON: pass ids and plain values, never model instances.
    """
    name = task if isinstance(task, str) else task.name
    row = PendingTask.objects.create(task=name, args=list(args), queue=queue or "")
    transaction.on_commit(lambda: dispatch(row.pk))
    return row


def is_pending(task: Task | str, *args) -> bool:
    """Whether `task(*args)` is recorded and not yet handed to the broker."""
    name = task if isinstance(task, str) else task.name
    return PendingTask.objects.filter(task=name, args=list(args), dispatched_at__isnull=True).exists()


def _eager() -> bool:
    return bool(app.conf.task_always_eager)


def _claim(pks: list[int], at: dt.datetime) -> None:
    # A row attempted less than OUTBOX_RETRY_AFTER_SECONDS ago is left alone by the beat task.
    PendingTask.objects.filter(pk__in=pks).update(last_attempt_at=at)


def _send(row: PendingTask) -> bool:
    """Hand one row to the broker (or run it, in eager mode); True when sent and marked dispatched."""
    options = {"queue": row.queue} if row.queue else {}
    try:
        task = app.tasks.get(row.task)
        if task is None and _eager():
            app.loader.import_default_modules()
            task = app.tasks[row.task]
        if task is not None:
            task.apply_async(tuple(row.args), **options)
        else:
            # The web process need not have imported every task module: the worker resolves the name.
            app.send_task(row.task, tuple(row.args), **options)
    except Exception as exc:  # noqa: BLE001 — kombu, redis, amqp and socket errors all mean "not sent"
        if _eager():
            # In process the "dispatch" is the task itself: its errors propagate, as they did before.
            raise
        logger.warning(
            "Task %s%s (outbox row %s) not sent, left pending: %s", row.task, tuple(row.args), row.pk, exc
        )
        PendingTask.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return False
    PendingTask.objects.filter(pk=row.pk).update(
        attempts=F("attempts") + 1, dispatched_at=timezone.now(), last_error=""
    )
    return True


def dispatch(pk: int) -> bool:
    """Send one pending row now (called after the commit that wrote it); False when the broker refused."""
    _claim([pk], timezone.now())
    row = PendingTask.objects.filter(pk=pk, dispatched_at__isnull=True).first()
    return row is not None and _send(row)


def dispatch_pending(*, now: dt.datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Send the rows still pending `OUTBOX_RETRY_AFTER_SECONDS` after they were written (and after their last
    attempt), oldest first, at most `limit` per run; forget rows dispatched more than `OUTBOX_KEEP_DAYS` ago.

    Rows are claimed under `SELECT … FOR UPDATE SKIP LOCKED` and the claim is committed before the broker is
    called, so two runs never send the same row together and no lock is held while the broker answers.
    """
    now = now or timezone.now()
    limit = limit or settings.OUTBOX_BATCH_SIZE
    cutoff = now - dt.timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)
    with transaction.atomic():
        rows = list(
            PendingTask.objects.select_for_update(skip_locked=True)
            .filter(dispatched_at__isnull=True, created_at__lte=cutoff)
            .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=cutoff))
            .order_by("created_at", "pk")[:limit]
        )
        _claim([row.pk for row in rows], now)
    sent = 0
    for row in rows:
        if not _send(row):
            break  # the broker is down: the rest waits for the next run instead of each timing out
        sent += 1
    return {"sent": sent, "pending": len(rows) - sent, "forgotten": _forget_dispatched(now)}


def _forget_dispatched(now: dt.datetime, *, batch: int = 5000) -> int:
    """Dispatched rows are only kept a few days, for the administrator to look at."""
    keep_until = now - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    old = list(PendingTask.objects.filter(dispatched_at__lt=keep_until).values_list("pk", flat=True)[:batch])
    if not old:
        return 0
    return PendingTask.objects.filter(pk__in=old).delete()[0]
