"""Escalation of overdue feedback. Thin and idempotent: they only call services."""

from celery import shared_task

from . import services


@shared_task(name="dossiers.feedback_escalation_sweep", acks_late=True, time_limit=300, soft_time_limit=240)
def feedback_escalation_sweep() -> int:
    """Beat entry: schedule one escalation per unanswered feedback past its deadline (through the outbox)."""
    return services.feedback_escalation_sweep()


@shared_task(name=services.ESCALATE_TASK, acks_late=True, time_limit=60, soft_time_limit=50)
def feedback_escalate(feedback_id: int) -> bool:
    return services.feedback_escalate(feedback_id=feedback_id)
