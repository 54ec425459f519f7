"""`make bench-scale`: generate a province into a throw-away PostgreSQL database, serve it with gunicorn and
production settings, and measure in the same run: `/healthz` as the ceiling, the public lookup, each role's
work queue (first page), the queue's "all" tab, the desk counts, the catalogue search, the receipt PDF and the
deadline sweep. Prints a table; figures are reported, not asserted (the speed targets are in the README).

Environment: SCALE_COUNT (1000000), SCALE_YEARS (3), SCALE_SEED (1), DATABASE_URL (server to use; the database
is `bench_scale` unless BENCH_DB names another `bench_*` one), BENCH_CONNECTIONS (32), BENCH_SECONDS (10 per page
under load), BENCH_REQUESTS (40 single-client requests per page), BENCH_WORKERS (gunicorn workers, 4),
BENCH_PORT (8765), BENCH_KEEP_DB=1 to keep the database and BENCH_REUSE_DB=1 to measure it again without
generating.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

COUNT = int(os.environ.get("SCALE_COUNT", "1000000"))
YEARS = os.environ.get("SCALE_YEARS", "3")
SEED = os.environ.get("SCALE_SEED", "1")
DB = os.environ.get("BENCH_DB", "bench_scale")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
WORKERS = os.environ.get("BENCH_WORKERS", "4")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
if not DB.startswith("bench_"):
    sys.exit("BENCH_DB phải bắt đầu bằng bench_ (cơ sở dữ liệu dùng một lần, bị xóa khi đo xong).")

base = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
DATABASE_URL = urlunsplit(base._replace(path=f"/{DB}"))
MAINTENANCE_URL = urlunsplit(base._replace(path="/postgres"))
SECRET = "bench-" + secrets.token_urlsafe(48)
MEDIA = tempfile.mkdtemp(prefix="bench-scale-media-")
STATIC = tempfile.mkdtemp(prefix="bench-scale-static-")
COMMON_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_SECRET_KEY": SECRET,
    "MEDIA_ROOT": MEDIA,
    "STATIC_ROOT": STATIC,
    "CELERY_BROKER_URL": "",
    "REDIS_URL": "",
}
SERVER_ENV = {
    **COMMON_ENV,
    "DJANGO_ENV": "production",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    # The measured officers have no authenticator: the bench signs them in with a session, not a login form.
    "OFFICER_OTP_REQUIRED": "false",
}


def manage(*args: str, production: bool = False) -> None:
    env = {**os.environ, **(SERVER_ENV if production else COMMON_ENV)}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(MAINTENANCE_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(MAINTENANCE_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def start_server() -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-w",
            WORKERS,
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
    )
    import httpx

    for _ in range(120):
        try:
            if (
                httpx.get(
                    f"http://127.0.0.1:{PORT}/healthz", headers={"X-Forwarded-Proto": "https"}
                ).status_code
                == 200
            ):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn không khởi động được.")


def main() -> int:
    started = time.perf_counter()
    generation = None
    if os.environ.get("BENCH_REUSE_DB") != "1":
        recreate_database()
        manage("migrate", "--noinput", "-v", "0")
        t0 = time.perf_counter()
        manage("generate_dossiers", "--count", str(COUNT), "--years", YEARS, "--seed", SEED)
        generation = time.perf_counter() - t0
    manage("collectstatic", "--noinput", "-v", "0", production=True)

    os.environ.update(COMMON_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    import scenario

    world = scenario.World.pick()
    server = start_server()
    try:
        rows = scenario.measure_pages(
            world, port=PORT, requests=REQUESTS, connections=CONNECTIONS, seconds=SECONDS
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows += scenario.measure_in_process(world)
    from load import table

    print()
    print(f"Quy mô: {world.dossiers:,} hồ sơ, {world.events:,} sự kiện, {world.handovers:,} bàn giao; "
          f"{os.cpu_count()} lõi; gunicorn {WORKERS} worker; {CONNECTIONS} kết nối đồng thời.")  # fmt: skip
    if generation is not None:
        print(f"Sinh dữ liệu: {generation:.0f} s cho {COUNT:,} hồ sơ.")
    print(table(rows))
    out = ROOT / "var" / "bench-scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"count": COUNT, "generation_seconds": generation,
                               "rows": [r.__dict__ for r in rows]}, ensure_ascii=False, indent=1))  # fmt: skip
    print(f"Tổng thời gian: {time.perf_counter() - started:.0f} s; số liệu: {out}")
    if os.environ.get("BENCH_KEEP_DB") != "1":
        from django.db import connections

        connections.close_all()
        drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
