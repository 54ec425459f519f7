"""Background work of the dossier lifecycle. Tasks take ids, are idempotent and only call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, time_limit=120, soft_time_limit=90)
def render_dossier_document(dossier_id: int, kind: str, event_id: int | None) -> int:
    """Print one form (receipt, refusal, supplement request) for one event; a second run does nothing."""
    from .services import dossier_document_generate

    return dossier_document_generate(dossier_id=dossier_id, kind=kind, event_id=event_id).pk
