import datetime as dt
import os
import shutil

import pytest
import time_machine

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the test body are
# still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


@pytest.fixture
def rate_limit_clock():
    """django-ratelimit counts in fixed windows of the clock: a rate-limit test stops the clock at a fixed
    instant so that no window ends half-way through it (use it before the fixtures that build data)."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


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
