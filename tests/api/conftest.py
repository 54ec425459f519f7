import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters of earlier tests (in Redis on CI) would turn answers into 429s, and ours must not
    reach the tests that run after these."""
    cache.clear()
    yield
    cache.clear()
