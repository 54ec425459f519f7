"""Background jobs of the catalogue: the nightly sync with the national procedure database."""

from __future__ import annotations

from celery import shared_task

from .adapters import CatalogueUnavailable, national_catalogue_adapter
from .constants import SyncStatus
from .services import catalogue_sync, versions_mark_retired


@shared_task(
    acks_late=True,
    time_limit=1800,
    soft_time_limit=1700,
    autoretry_for=(CatalogueUnavailable,),
    retry_backoff=300,
    retry_backoff_max=3600,
    max_retries=4,
)
def sync_national_catalogue() -> dict:
    """Idempotent: a second run against an unchanged national catalogue changes nothing. When the national
    database cannot be reached the run is recorded as failed and the task retried later with backoff."""
    run = catalogue_sync(adapter=national_catalogue_adapter())
    if run.status == SyncStatus.FAILED:
        raise CatalogueUnavailable(run.error)
    return {"run": run.pk, "status": run.status, "added": run.added, "retired": run.retired}


@shared_task(acks_late=True)
def mark_retired_versions() -> int:
    return versions_mark_retired()
