"""The one HTTP client of the provider adapters and simulators (timeouts from settings).

Tests route it to the WSGI application (`httpx.WSGITransport`) so that the adapters talk to the simulators
over the real protocol without a network; production leaves `transport` unset.
"""

from __future__ import annotations

import httpx
from django.conf import settings

transport: httpx.BaseTransport | None = None


def client() -> httpx.Client:
    return httpx.Client(timeout=settings.PAYMENTS_HTTP_TIMEOUT, transport=transport)
