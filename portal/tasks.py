from celery import shared_task
from django.db import connection


@shared_task(acks_late=True)
def ping() -> dict:
    """Round trip through the broker and a worker, touching the database (used by health checks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}
