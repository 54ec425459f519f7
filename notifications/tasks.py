"""Thin tasks: delivery of one row (queue "notifications") and the beat task that re-queues what was left."""

from celery import shared_task

from . import services


@shared_task(name="notifications.deliver", acks_late=True, time_limit=120, soft_time_limit=90)
def deliver(notification_id: int) -> str:
    # No Celery retry here: a failed send is put back on the row with its next attempt time, and the beat
    # task below hands it to a worker again, so a retry survives a worker restart.
    return services.notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.requeue", ignore_result=True)
def requeue() -> dict:
    return services.notifications_requeue()


@shared_task(name="notifications.simulator_report", ignore_result=True)
def simulator_report(message_id: int, outcome: str) -> int:
    """The local simulators' delivery report of one accepted message (development and tests only)."""
    from .models import SimulatedMessage
    from .simulators import report

    message = SimulatedMessage.objects.filter(pk=message_id).first()
    return report(message, outcome) if message is not None else 0
