"""Parallel counter receptions at one desk: RECEPTIONS officers (default 50) press "Tiếp nhận" at the same
moment, each in its own process with its own PostgreSQL connection, as separate gunicorn workers would.

Target: all of them committed within 5 s of the start, and the day's codes gap-free (1..N). The daily counter
row is locked only from taking the number to the commit, so the receptions run side by side instead of queueing
behind the counter. Uses a throw-away test database (`test_<name>` of DATABASE_URL); on SQLite, which has a single
writer, it says so and measures nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("AXES_ENABLED", "false")
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-media-")
# Tasks (national sync, notifications) are queued on a broker as in production, not run inside the reception;
# nothing consumes them, and the bench's Redis database is emptied at the end.
os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

RECEPTIONS = int(os.environ.get("RECEPTIONS", "50"))
TARGET_SECONDS = 5.0


def _receive(province, barrier, results) -> None:
    """One officer's reception in a child process: wait for the others, receive, report the code and times."""
    from tests.dossiers.factories import counter_received

    connections.close_all()  # never share the parent's socket
    connection.ensure_connection()
    barrier.wait(timeout=120)
    started = time.monotonic()
    try:
        dossier = counter_received(province)
        results.put((dossier.code, started, time.monotonic(), ""))
    except Exception as exc:  # reported by the parent, which fails the run
        results.put(("", started, time.monotonic(), repr(exc)))
    finally:
        connections.close_all()


def main() -> int:
    from dossiers.models import DossierCodeCounter
    from tests.dossiers.factories import Province, counter_received

    if connection.vendor != "postgresql":
        print("Cần PostgreSQL (DATABASE_URL): SQLite chỉ có một luồng ghi, phép đo không có nghĩa.")
        return 0
    province = Province()
    counter_received(province)  # warm-up: templates, fonts and the counter row of the day exist
    connections.close_all()

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(RECEPTIONS)
    results = context.Queue()
    workers = [context.Process(target=_receive, args=(province, barrier, results)) for _ in range(RECEPTIONS)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)

    errors = [error for _, _, _, error in outcomes if error]
    codes = sorted(code for code, _, _, error in outcomes if not error)
    wall = max(end for _, _, end, _ in outcomes) - min(start for _, start, _, _ in outcomes)
    each = sorted(end - start for _, start, end, _ in outcomes)
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    last = DossierCodeCounter.objects.get(agency=province.centre).last_number
    gap_free = numbers == list(range(2, RECEPTIONS + 2)) and last == RECEPTIONS + 1
    print(
        f"{RECEPTIONS} lần tiếp nhận song song tại một quầy (mỗi lần một tiến trình): {wall:.2f} s tất cả, "
        f"trung vị mỗi lần {each[len(each) // 2]:.2f} s, chậm nhất {each[-1]:.2f} s "
        f"(mục tiêu ≤ {TARGET_SECONDS:.0f} s); số liên tục: {'có' if gap_free else 'KHÔNG'}"
    )
    for error in errors[:5]:
        print(f"  lỗi: {error}")
    return 0 if wall <= TARGET_SECONDS and gap_free and not errors else 1


if __name__ == "__main__":
    old = setup_databases(verbosity=0, interactive=False)
    try:
        code = main()
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)
        import redis

        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
        import shutil

        shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)
    sys.exit(code)
