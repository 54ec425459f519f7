"""A real Celery worker on the broker sends a dossier's steps to the simulated national portal over HTTP
(the live server): only when CI configures a broker and PostgreSQL (the worker reads the test database)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from dossiers import services
from dossiers.national import simulator
from portal.celery import app

from .factories import Province, received

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (settings.CELERY_BROKER_URL and settings.CELERY_RESULT_BACKEND),
        reason="needs CELERY_BROKER_URL and CELERY_RESULT_BACKEND",
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_worker_sends_the_steps_to_the_national_portal_over_http(transactional_db, live_server, settings):
    portal_url = f"{live_server.url}/mo-phong/dvcqg"
    settings.NATIONAL_SYNC_ENABLED = True
    settings.NATIONAL_PORTAL_URL = portal_url
    simulator.reset()
    simulator.script(["error500"])  # the first call fails: the worker retries it with backoff
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
            "sync",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "NATIONAL_PORTAL_URL": portal_url,
            "NATIONAL_SYNC_BACKOFF_SECONDS": "1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    app.conf.task_always_eager = False
    try:
        province = Province()
        dossier = received(province)
        dossier = services.dossier_forward(dossier=dossier, actor=province.officer)
        deadline = time.monotonic() + 90
        steps: list = []
        while time.monotonic() < deadline:
            held = simulator.records().get(dossier.code)
            steps = held["steps"] if held else []
            if len(steps) == 3 and held["record"]["TrangThaiHoSo"] == 4:
                break
            time.sleep(0.5)
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)
    assert [s["TrangThai"] for s in steps] == [1, 2, 4]
    modes = [c["mode"] for c in simulator.calls()]
    assert modes[0] == "error500" and modes.count("error500") == 1
    assert dossier.national_attempts.filter(ok=False).count() == 1
