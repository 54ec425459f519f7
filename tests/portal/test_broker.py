"""A real broker round trip: only when CI configures Redis (CELERY_BROKER_URL and CELERY_RESULT_BACKEND)."""

from django.db import connection

from portal.tasks import ping
from tests.celery_worker import celery_worker, needs_broker

pytestmark = needs_broker


def test_a_worker_takes_a_task_from_the_broker_and_reaches_the_database():
    with celery_worker("default"):
        result = ping.apply_async(queue="default").get(timeout=90)
    assert result == {"status": "ok", "database": connection.vendor}
