"""Nightly work of the dossier archive. Thin and idempotent: it only calls services."""

from celery import shared_task

from repository.services import digitisation_jobs_link_pending

from . import services


@shared_task(name="dossiers.archive_sweep", acks_late=True, soft_time_limit=1800, time_limit=1900)
def archive_sweep() -> dict:
    """Nightly: retention rows for dossiers that finished (or whose rules changed), and digitised PDFs still
    waiting to be put into their dossiers. Idempotent; stops after a bounded amount of work per run."""
    written = 0
    for _ in range(200):  # at most 100,000 dossiers a night; the rest the next night
        batch = services.archive_records_sweep(limit=500)
        written += batch
        if batch == 0:
            break
    return {"retention_rows": written, "digitised_linked": digitisation_jobs_link_pending()}
