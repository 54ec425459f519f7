"""Races run on parallel database connections (one thread = one connection).

On PostgreSQL the tests run them in-process against the test database. SQLite's in-memory test database is
one shared cache for every thread and answers "table is locked" instead of waiting for the write lock, which
is not how the portal runs on SQLite; so on SQLite the same races run in a child process on a database
file, with the portal's own settings (IMMEDIATE transactions, busy timeout):

    python -m tests.dossiers.concurrency <scenario> <database file> <media dir>
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def in_parallel(target, arguments: list[tuple]) -> list:
    """Run `target(*args)` for each args at the same moment, each on its own connection."""
    from django.db import connection

    barrier = threading.Barrier(len(arguments))
    results: list = [None] * len(arguments)

    def run(index, args):
        try:
            barrier.wait(timeout=30)
            results[index] = target(*args)
        except Exception as exc:  # reported to the test, which decides what is expected
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def issue_codes(agency_id: int, day, count: int, *, pause: float = 0.02) -> list:
    """`count` receptions at once, each holding its transaction open a moment after taking its number."""
    from django.db import transaction

    from dossiers.services import dossier_code_issue
    from portal.models import Agency

    def one():
        with transaction.atomic():
            code, number = dossier_code_issue(agency=Agency.objects.get(pk=agency_id), on=day)
            time.sleep(pause)  # the rest of the reception, while the counter row stays locked
        return [code, number]

    return in_parallel(one, [() for _ in range(count)])


def receive_race(dossier_id: int, officer_ids: list[int]) -> list[str]:
    from dossiers.models import Dossier
    from dossiers.services import dossier_receive
    from portal.errors import Conflict
    from portal.models import User

    def one(officer_id):
        try:
            dossier_receive(dossier=Dossier.objects.get(pk=dossier_id), actor=User.objects.get(pk=officer_id))
        except Conflict:
            return "conflict"
        return "received"

    return in_parallel(one, [(pk,) for pk in officer_ids])


def approve_race(dossier_id: int, approver_ids: list[int]) -> list[str]:
    """Two department heads press "Phê duyệt và ký số" on the same draft at the same moment."""
    from dossiers.models import Dossier
    from dossiers.services import dossier_approve
    from portal.errors import Conflict
    from portal.models import User

    def one(approver_id):
        try:
            dossier_approve(
                dossier=Dossier.objects.get(pk=dossier_id), actor=User.objects.get(pk=approver_id)
            )
        except Conflict:
            return "conflict"
        return "approved"

    return in_parallel(one, [(pk,) for pk in approver_ids])


def approve_scenario() -> dict:
    from dossiers.constants import DocumentKind
    from dossiers.models import Dossier
    from portal.constants import Role
    from repository.constants import DocumentSource
    from repository.models import StoredDocument
    from tests.dossiers.factories import Province, awaiting_approval, signing_ready
    from tests.portal.factories import officer_in

    province = Province()
    second = officer_in(province.department, Role.APPROVER)
    signing_ready(province)
    dossier = awaiting_approval(province)
    outcomes = approve_race(dossier.pk, [province.approver.pk, second.pk])
    dossier = Dossier.objects.get(pk=dossier.pk)
    return {
        "outcomes": [o if isinstance(o, str) else repr(o) for o in outcomes],
        "state": dossier.state,
        "results": dossier.documents.filter(kind=DocumentKind.RESULT).count(),
        "kho_results": StoredDocument.objects.filter(
            origin_dossier_id=dossier.pk, source=DocumentSource.ISSUED_RESULT
        ).count(),
        "approve_events": dossier.events.filter(action="approve").count(),
    }


# ---- child process on a SQLite file -----------------------------------------------------------------------


def _scenario_codes() -> dict:
    import datetime as dt

    from tests.portal.factories import AgencyFactory

    agency = AgencyFactory()
    day = dt.date(2025, 11, 21)
    results = issue_codes(agency.pk, day, 8)
    return {"results": [r if isinstance(r, list) else repr(r) for r in results], "agency": agency.code}


def _scenario_receive() -> dict:
    from dossiers.models import Dossier
    from portal.constants import Role
    from tests.dossiers.factories import Province, submitted
    from tests.portal.factories import officer_in

    province = Province()
    second = officer_in(province.centre, Role.INTAKE_OFFICER)
    dossier = submitted(province)
    outcomes = receive_race(dossier.pk, [province.officer.pk, second.pk])
    dossier = Dossier.objects.get(pk=dossier.pk)
    return {
        "outcomes": [o if isinstance(o, str) else repr(o) for o in outcomes],
        "state": dossier.state,
        "code": dossier.code,
        "receive_events": dossier.events.filter(action="receive").count(),
    }


SCENARIOS = {"codes": _scenario_codes, "receive": _scenario_receive, "approve": approve_scenario}


def run_on_sqlite_file(scenario: str, tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": "",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "tests.dossiers.concurrency", scenario],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    print(json.dumps(SCENARIOS[sys.argv[1]]()))


if __name__ == "__main__":
    main()
