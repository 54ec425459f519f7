from celery import shared_task
from django.db import connection

from .outbox import dispatch_pending


@shared_task(acks_late=True)
def ping() -> dict:
    """Round trip through the broker and a worker, touching the database (used by health checks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


@shared_task(name="portal.outbox_dispatch", acks_late=True, time_limit=300, soft_time_limit=240)
def outbox_dispatch() -> dict:
    """Celery beat entry: send the outbox rows the broker did not take after their commit."""
    return dispatch_pending()
