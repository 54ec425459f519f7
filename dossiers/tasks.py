"""Background work of the dossier lifecycle. Tasks take ids, are idempotent and only call services."""

from __future__ import annotations

import logging

from celery import shared_task

from . import notifications, selectors, services
from .archive.tasks import archive_sweep  # noqa: F401 — found by Celery's autodiscovery of dossiers.tasks
from .feedback.tasks import feedback_escalate, feedback_escalation_sweep  # noqa: F401 — the same
from .national.tasks import push as national_push  # noqa: F401 — likewise
from .national.tasks import reconcile as national_reconcile  # noqa: F401 — likewise

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=90)
def render_dossier_document(dossier_id: int, kind: str, event_id: int | None) -> int:
    """Print one form (receipt, refusal, supplement request, apology) for one event; a second run does nothing."""
    return services.dossier_document_generate(dossier_id=dossier_id, kind=kind, event_id=event_id).pk


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def sweep_agency_deadlines(agency_id: int) -> dict[str, int]:
    """Mark one agency's running dossiers on track, due soon or overdue."""
    return services.dossier_deadlines_sweep(agency_id=agency_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def sweep_deadlines() -> dict:
    """Celery beat entry: one sweep per agency. Each agency is isolated: with a broker each is its own task;
    run in process (no broker), an agency that fails is logged and the sweep goes on with the next."""
    agency_ids = selectors.agencies_with_running_dossiers()
    failed = []
    for agency_id in agency_ids:
        try:
            sweep_agency_deadlines.apply_async((agency_id,))
        except Exception:  # noqa: BLE001 — one agency's failure must not stop the others
            logger.exception("Deadline sweep failed for agency %s", agency_id)
            failed.append(agency_id)
    return {"agencies": len(agency_ids), "failed": failed}


@shared_task(name="dossiers.notify_deadline_digests", acks_late=True, time_limit=300, soft_time_limit=240)
def notify_deadline_digests() -> int:
    """Celery beat entry (NOTIFY_DIGEST_HOUR): each officer's digest of due-soon and overdue dossiers."""
    return notifications.deadline_digests_send()
