import pytest

from tests.dossiers.conftest import _eager_tasks, _fresh_cache  # noqa: F401
from tests.dossiers.factories import Province


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture(autouse=True)
def _live_today(settings):
    """Today's figures are rebuilt at every read in tests (no cache between two steps of one test)."""
    settings.KPI_TODAY_CACHE_SECONDS = 0
    settings.KPI_DASHBOARD_CACHE_SECONDS = 0
