import datetime as dt
import logging
import os
import runpy
import shutil
import uuid
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine

# Fixtures routing outgoing HTTP to the application's simulators (national portal, national SSO).
pytest_plugins = ["tests.national_http"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the test body are
# still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Every test runs on the same working day, so no outcome depends on when or where the suite runs: a Wednesday
# with no public holiday within weeks and later than every fixed date the tests use. The local time of day
# defaults to office hours; CI runs the tests marked `date_sensitive` again at FROZEN_LOCAL_TIME=02:00 (the
# day before in UTC), 16:30 and 23:30 (see .ci/run).
FROZEN_DATE = dt.date(2026, 10, 14)
PROVINCE_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def frozen_local_time() -> dt.time:
    value = os.environ.get("FROZEN_LOCAL_TIME", "") or "09:30"
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"FROZEN_LOCAL_TIME must read HH:MM, not {value!r}") from None


def pytest_report_header(config):
    return f"clock frozen at {frozen_now():%Y-%m-%d %H:%M %Z} (FROZEN_LOCAL_TIME), then ticking"


def frozen_now() -> dt.datetime:
    return dt.datetime.combine(FROZEN_DATE, frozen_local_time(), PROVINCE_TZ)


@pytest.fixture(scope="session")
def _session_clock():
    """Outside the tests themselves (database set-up, session fixtures) it is the day before the frozen day:
    rows the migrations seed (retention rules, ...) were written before any test's today, as in production."""
    with time_machine.travel(frozen_now() - dt.timedelta(days=1), tick=True):
        yield


@pytest.fixture(scope="session")
def django_db_setup(_session_clock, django_db_setup):
    """pytest-django's test database, created under the session clock."""
    return django_db_setup


@pytest.fixture(autouse=True)
def clock():
    """The test's clock: it starts at `frozen_now()` and ticks from there (ordering by time still works).

    Tests that need another moment move it with `clock.move_to(...)` or `clock.shift(...)`.
    """
    with time_machine.travel(frozen_now(), tick=True) as traveller:
        yield traveller


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` exercise PostgreSQL itself (triggers): they run when DATABASE_URL points at
    PostgreSQL, as in CI's second run, and are reported as skipped on the embedded SQLite default."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI's second run does)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _tasks_in_process():
    """Tasks run in the test's process and transaction even when CI configures a real broker.

    The broker itself is exercised by tests/portal/test_broker.py with a real worker.
    """
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def simulator_reports(settings):
    """The SMS / Zalo simulators report each accepted message as delivered, as the providers do."""
    settings.NOTIFY_SIMULATOR_REPORTS = True


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False
    # Dossier services do not call the national portal unless a test asks for it (`national_portal`).
    settings.NATIONAL_SYNC_ENABLED = False
    # The SMS / Zalo simulators report deliveries only when a test asks for it (`simulator_reports`), so a
    # message stays "sent" unless the test follows the provider's report.
    settings.NOTIFY_SIMULATOR_REPORTS = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what an earlier test kept (a desk's versions, a status card)
    belongs to rows that test rolled back, whose ids SQLite hands out again."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def rate_limit_clock():
    """django-ratelimit counts in fixed windows of the clock: a rate-limit test stops the clock at a fixed
    instant so that no window ends half-way through it (use it before the fixtures that build data)."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (moto's server mode) on a free local port, for the whole session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def object_storage(s3_server, settings, monkeypatch):
    """Files go to a fresh bucket on the S3 server, switched on the way production does it: the AWS_*
    variables of .env.example read by portal/settings.py. Gives the bucket and a boto3 client to look inside."""
    import boto3

    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    environment = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "portal",
        "AWS_SECRET_ACCESS_KEY": "portal-secret",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    configured = runpy.run_path(str(Path(__file__).resolve().parents[1] / "portal" / "settings.py"))
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="portal",
        aws_secret_access_key="portal-secret",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = configured["STORAGES"]  # Django drops the cached default storage on this change

    def objects() -> set[str]:
        return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    def content(key: str) -> bytes:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()

    return SimpleNamespace(bucket=bucket, client=client, objects=objects, content=content)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with the flags a closed network needs."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: run scripts/ensure-system-packages (make test does).")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


# A closed local port: connecting is refused at once, as when the broker is down.
UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1//"


@pytest.fixture
def broker_down(monkeypatch):
    """Celery sends to a broker that is really unreachable (no eager mode, no retries, so the test is fast).
    Yields a function that brings the broker "back" as eager, in-process execution.

    Celery reads the CELERY_BROKER_URL environment variable before its own configuration (CI sets it for the
    PostgreSQL run), so the outage is set there too."""
    from portal.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)

    outage = {
        "task_always_eager": False,
        "broker_url": UNREACHABLE_BROKER,
        "broker_connection_retry": False,
        "broker_connection_max_retries": 0,
        "broker_connection_timeout": 1,
        "broker_transport_options": {"max_retries": 0},
        "task_publish_retry": False,
    }
    saved = {key: app.conf[key] for key in outage}

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    def back():
        app.conf.update(saved)
        app.conf.task_always_eager = True
        reset_pools()

    app.conf.update(outage)
    reset_pools()
    yield back
    app.conf.update(saved)
    reset_pools()
