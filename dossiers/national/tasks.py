"""Celery tasks of the national sync (queue "sync"). They take ids and are idempotent: a sent item is never
sent again by a second delivery of the same task."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from . import sync

logger = logging.getLogger(__name__)


@shared_task(
    name=sync.PUSH_TASK, bind=True, acks_late=True, max_retries=None, time_limit=300, soft_time_limit=240
)
def push(self, dossier_id: int) -> dict:
    """Send one dossier's queued items in order; retried with backoff while the national portal refuses or
    cannot be reached. After NATIONAL_SYNC_MAX_RETRIES the items stay queued (visible in the sync log and
    the admin) for the next event or the nightly reconciliation. Run in process (no broker), the retries
    follow each other at once."""
    inline = 0
    while True:
        retries = self.request.retries + inline
        try:
            result = sync.national_sync_push(dossier_id=dossier_id)
        except (sync.SyncBusy, sync.SyncFailed) as exc:
            if retries >= settings.NATIONAL_SYNC_MAX_RETRIES:
                logger.warning("National sync of dossier %s left for later: %s", dossier_id, exc)
                return {"sent": [], "failed": str(exc)}
            if self.request.is_eager:
                inline += 1
                continue
            countdown = 5 if isinstance(exc, sync.SyncBusy) else sync.backoff_seconds(retries)
            raise self.retry(exc=exc, countdown=countdown) from exc
        return {"sent": result.sent}


@shared_task(name="dossiers.national.reconcile", acks_late=True, time_limit=3600, soft_time_limit=3500)
def reconcile() -> dict:
    result = sync.national_sync_reconcile()
    return {"checked": result.checked, "resent": result.resent, "failed": result.failed}
