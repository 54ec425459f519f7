"""Celery tasks for digitisation. Thin: they take ids, call one service and retry with backoff.

Both services are idempotent (a finished job is skipped, a half-imported batch resumes where it stopped),
so `acks_late` redelivery after a worker crash is safe. Tasks go to the "digitisation" queue.
"""

from collections.abc import Callable

from celery import shared_task

from . import services
from .constants import DIGITISE_TASK

MAX_RETRIES = 2  # three attempts in all
QUEUE = "digitisation"
TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "max_retries": MAX_RETRIES,
    "soft_time_limit": 600,
    "time_limit": 660,
}


def _backoff(retries: int) -> int:
    return 30 * 2**retries  # 30 s, 60 s, …


def _with_retries(task, attempt: Callable[[bool], str]) -> str:
    """Run one attempt; on a passing failure retry later with backoff, up to MAX_RETRIES times."""
    outcome = attempt(task.request.retries >= task.max_retries)
    if outcome != "retry":
        return outcome
    if task.request.is_eager:
        # Without a broker (development, tests) the retries run here and now, with the same budget.
        for retries in range(task.request.retries + 1, task.max_retries + 1):
            outcome = attempt(retries >= task.max_retries)
            if outcome != "retry":
                break
        return outcome
    raise task.retry(countdown=_backoff(task.request.retries), queue=QUEUE)


@shared_task(name=DIGITISE_TASK, **TASK_OPTIONS)
def digitise_scans(self, job_id: int) -> str:
    return _with_retries(
        self, lambda final: services.digitisation_job_run(job_id=job_id, final_attempt=final)
    )


@shared_task(name="repository.import_backfile", **TASK_OPTIONS)
def import_backfile(self, batch_id: int) -> str:
    return _with_retries(
        self, lambda final: services.backfile_batch_run(batch_id=batch_id, final_attempt=final)
    )
