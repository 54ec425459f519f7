import pytest

from .factories import Province


@pytest.fixture
def province(db):
    return Province()
