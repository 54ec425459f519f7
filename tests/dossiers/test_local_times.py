"""Labels of history rows (admin lists, logs) show province time, not the UTC the database keeps."""

import datetime as dt

import pytest

from dossiers.constants import EventAction
from dossiers.models import DossierEvent
from repository.constants import DocumentEventKind
from repository.models import DocumentEvent

pytestmark = pytest.mark.date_sensitive

# 19:00 UTC on the 13th is 02:00 on the 14th in Asia/Ho_Chi_Minh
LATE_EVENING_UTC = dt.datetime(2026, 10, 13, 19, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "row",
    [
        DossierEvent(at=LATE_EVENING_UTC, action=EventAction.RECEIVE),
        DocumentEvent(at=LATE_EVENING_UTC, kind=DocumentEventKind.CREATED),
    ],
    ids=["dossier event", "document event"],
)
def test_a_history_row_reads_in_province_time(row):
    assert "14/10/2026 02:00" in str(row)
