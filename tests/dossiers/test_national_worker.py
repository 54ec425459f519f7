"""A real Celery worker on the broker sends a dossier's steps to the simulated national portal over HTTP
(the live server): only when CI configures a broker and PostgreSQL (the worker reads the test database)."""

from __future__ import annotations

import time

import pytest

from dossiers import services
from dossiers.national import simulator
from tests.celery_worker import celery_worker, needs_broker, worker_database_url

from .factories import Province, received

pytestmark = [
    pytest.mark.postgres,
    needs_broker,
]


def test_a_worker_sends_the_steps_to_the_national_portal_over_http(transactional_db, live_server, settings):
    portal_url = f"{live_server.url}/mo-phong/dvcqg"
    settings.NATIONAL_SYNC_ENABLED = True
    settings.NATIONAL_PORTAL_URL = portal_url
    simulator.reset()
    simulator.script(["error500"])  # the first call fails: the worker retries it with backoff
    with celery_worker(
        "sync",
        DATABASE_URL=worker_database_url(),
        NATIONAL_PORTAL_URL=portal_url,
        NATIONAL_SYNC_BACKOFF_SECONDS="1",
    ):
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
    assert [s["TrangThai"] for s in steps] == [1, 2, 4]
    modes = [c["mode"] for c in simulator.calls()]
    assert modes[0] == "error500" and modes.count("error500") == 1
    assert dossier.national_attempts.filter(ok=False).count() == 1
