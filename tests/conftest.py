import os
import shutil

import pytest

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
def broker_down():
    """Celery sends to a broker that is really unreachable (no eager mode, no retries, so the test is fast).
    Yields a function that brings the broker "back" as eager, in-process execution."""
    from portal.celery import app

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
