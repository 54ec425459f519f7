"""A real broker round trip: only when CI configures Redis (CELERY_BROKER_URL and CELERY_RESULT_BACKEND)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.tasks import ping

pytestmark = pytest.mark.skipif(
    not (settings.CELERY_BROKER_URL and settings.CELERY_RESULT_BACKEND),
    reason="needs CELERY_BROKER_URL and CELERY_RESULT_BACKEND",
)


def test_a_worker_takes_a_task_from_the_broker_and_reaches_the_database():
    app.conf.task_always_eager = False
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool",
            "solo",
            "-Q",
            "default",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        result = ping.apply_async(queue="default").get(timeout=90)
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
    assert result == {"status": "ok", "database": connection.vendor}
