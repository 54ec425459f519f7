"""A real Celery worker in a subprocess, for the tests that go through the broker (CI sets CELERY_BROKER_URL
and CELERY_RESULT_BACKEND; the worker reads the same database as the test)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.db import connection

from portal.celery import app

needs_broker = pytest.mark.skipif(
    not (settings.CELERY_BROKER_URL and settings.CELERY_RESULT_BACKEND),
    reason="needs CELERY_BROKER_URL and CELERY_RESULT_BACKEND",
)


def worker_database_url() -> str:
    """The URL of the test database, for a worker process to read what the test wrote (PostgreSQL)."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(queue: str, **environment: str):
    """A worker taking `queue` from the broker while the block runs; tasks leave this process through the broker
    (not eagerly) meanwhile."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "-Q", queue]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    app.conf.task_always_eager = False
    try:
        # The test waits on results from outside any task (an eager task still running in a live server's
        # thread would otherwise make Celery refuse the wait).
        with allow_join_result():
            yield worker
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
