"""Outgoing HTTP (requests) to http://testserver/ answered by the Django application itself, so the
production clients (national adapter, OIDC client) talk to the simulators in the test's process and
database. An answer the simulator gave after the client's timeout raises requests' ReadTimeout, as on a network."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
import responses
from django.test import Client

BASE = "http://testserver"


def route_to_django(client: Client):
    def forward(request):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in ("content-length", "host", "content-type")
        }
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        response = client.generic(
            request.method,
            path,
            data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            headers=headers,
        )
        if response.get("X-Simulator-Mode") == "timeout":
            # The simulator answered after the client's timeout (it slept past NATIONAL_PORTAL_TIMEOUT).
            raise requests.exceptions.ReadTimeout("simulated read timeout")
        return response.status_code, {k: v for k, v in response.items()}, response.content

    return forward


@pytest.fixture
def http_to_django(settings):
    settings.SITE_URL = BASE
    forward = route_to_django(Client())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ("GET", "POST"):
            mock.add_callback(method, re.compile(re.escape(BASE) + r"/.*"), callback=forward)
        yield mock


@pytest.fixture
def national_portal(settings, http_to_django):
    """Dossier services report to the simulated national portal, over (routed) HTTP."""
    from dossiers.national import simulator

    settings.NATIONAL_SYNC_ENABLED = True
    settings.NATIONAL_SIMULATOR_ENABLED = True
    settings.NATIONAL_PORTAL_URL = ""
    settings.NATIONAL_PORTAL_TIMEOUT = 0.05
    settings.NATIONAL_SYNC_MAX_RETRIES = 3
    simulator.reset()
    yield simulator
    simulator.reset()
