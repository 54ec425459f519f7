"""Celery tasks of the index: the nightly rebuild of the last days' snapshots, and the rebuild of one day."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.outbox import enqueue

from .engine import snapshots


@shared_task(name="reporting.tasks.rebuild_recent_snapshots")
def rebuild_recent_snapshots() -> None:
    """Beat: schedule one rebuild per day for yesterday and the KPI_REBUILD_DAYS_BACK days before it (an event
    recorded late, e.g. a desk that was offline, lands in its own day)."""
    today = timezone.localdate()
    with transaction.atomic():
        for back in range(1, settings.KPI_REBUILD_DAYS_BACK + 2):
            day = today - dt.timedelta(days=back)
            enqueue("reporting.tasks.rebuild_snapshot_day", day.toordinal())


@shared_task(name="reporting.tasks.rebuild_snapshot_day")
def rebuild_snapshot_day(day_ordinal: int) -> int:
    """Idempotent: the day's rows are replaced."""
    return snapshots.rebuild_day(dt.date.fromordinal(day_ordinal))
