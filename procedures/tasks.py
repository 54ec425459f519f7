"""Background jobs of the catalogue: the nightly sync with the national procedure database."""

from __future__ import annotations

from celery import shared_task

from .adapters import national_catalogue_adapter
from .services import catalogue_sync, versions_mark_retired


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def sync_national_catalogue() -> dict:
    """Idempotent: a second run against an unchanged national catalogue changes nothing."""
    run = catalogue_sync(adapter=national_catalogue_adapter())
    return {"run": run.pk, "status": run.status, "added": run.added, "retired": run.retired}


@shared_task(acks_late=True)
def mark_retired_versions() -> int:
    return versions_mark_retired()
