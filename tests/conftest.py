import datetime as dt
import os
import shutil
import zoneinfo

import pytest
import time_machine

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


@pytest.fixture(autouse=True)
def clock():
    """The test's clock: it starts at `frozen_now()` and ticks from there (ordering by time still works).

    Tests that need another moment move it with `clock.move_to(...)` or `clock.shift(...)`.
    """
    with time_machine.travel(frozen_now(), tick=True) as traveller:
        yield traveller


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


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
