"""Celery tasks for digitisation. Thin: they take ids, call one service and retry with backoff.

Both services are idempotent (a finished job is skipped, a half-imported batch resumes where it stopped),
so `acks_late` redelivery after a worker crash is safe.
"""

from celery import shared_task

from . import services

MAX_RETRIES = 2  # three attempts in all
TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "queue": "digitisation",
    "max_retries": MAX_RETRIES,
    "soft_time_limit": 600,
    "time_limit": 660,
}


def _backoff(retries: int) -> int:
    return 30 * 2**retries  # 30 s, 60 s, …


@shared_task(name="repository.digitise_scans", **TASK_OPTIONS)
def digitise_scans(self, job_id: int) -> str:
    outcome = services.digitisation_job_run(
        job_id=job_id, final_attempt=self.request.retries >= self.max_retries
    )
    if outcome == "retry":
        raise self.retry(countdown=_backoff(self.request.retries))
    return outcome


@shared_task(name="repository.import_backfile", **TASK_OPTIONS)
def import_backfile(self, batch_id: int) -> str:
    outcome = services.backfile_batch_run(
        batch_id=batch_id, final_attempt=self.request.retries >= self.max_retries
    )
    if outcome == "retry":
        raise self.retry(countdown=_backoff(self.request.retries))
    return outcome
