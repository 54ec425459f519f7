"""The deadline sweep writes only what changes: event rows for the dossiers whose mark moved, none for the
others, and a constant number of statements however many dossiers it reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import services
from dossiers.constants import DeadlineStatus, EventAction
from dossiers.models import Dossier, DossierEvent

from .factories import appraising

pytestmark = pytest.mark.date_sensitive

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)


def _warnings() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for pk, status in DossierEvent.objects.filter(action=EventAction.DEADLINE_WARNING).values_list(
        "dossier_id", "payload__deadline_status"
    ):
        found.setdefault(pk, []).append(status)
    return found


def test_events_only_for_the_dossiers_whose_mark_changed(province):
    # given three running dossiers received a week apart; at `now` only the oldest is late
    oldest = appraising(province, at=MONDAY)
    middle = appraising(province, at=MONDAY + dt.timedelta(days=7))
    newest = appraising(province, at=MONDAY + dt.timedelta(days=14))
    now = oldest.due_at + dt.timedelta(hours=2)

    # when the sweep runs
    changed = services.dossier_deadlines_sweep(agency_id=province.department.pk, now=now)

    # then the oldest moved to overdue with one event; the middle one (3 of 12 days left) is due soon
    assert Dossier.objects.get(pk=oldest.pk).deadline_status == DeadlineStatus.OVERDUE
    marks = {d.pk: d.deadline_status for d in Dossier.objects.filter(pk__in=[middle.pk, newest.pk])}
    moved = {pk for pk, status in marks.items() if status != DeadlineStatus.ON_TRACK}
    assert _warnings() == {
        oldest.pk: [DeadlineStatus.OVERDUE],
        **{pk: [marks[pk]] for pk in moved},
    }
    assert newest.pk not in moved
    assert sum(changed.values()) == 1 + len(moved)

    # and a second run at the same moment writes nothing at all
    before = DossierEvent.objects.count()
    assert sum(services.dossier_deadlines_sweep(agency_id=province.department.pk, now=now).values()) == 0
    assert DossierEvent.objects.count() == before


def test_a_dossier_changed_by_a_person_meanwhile_is_left_to_the_next_sweep(province, monkeypatch):
    # given an overdue dossier whose appointment an officer moves while the sweep is computing
    dossier = appraising(province, at=MONDAY)
    now = dossier.due_at + dt.timedelta(hours=2)
    original = services.deadlines.deadlines.status

    def status_and_meanwhile_a_person_moves_the_appointment(**kwargs):
        Dossier.objects.filter(pk=dossier.pk).update(due_at=now + dt.timedelta(days=30))
        return original(**kwargs)

    monkeypatch.setattr(
        services.deadlines.deadlines, "status", status_and_meanwhile_a_person_moves_the_appointment
    )

    # when the sweep runs, then it does not overwrite the person's change nor write an event
    assert sum(services.dossier_deadlines_sweep(agency_id=province.department.pk, now=now).values()) == 0
    assert Dossier.objects.get(pk=dossier.pk).deadline_status == DeadlineStatus.ON_TRACK
    assert not _warnings()


def test_the_number_of_statements_does_not_grow_with_the_dossiers(province):
    def statements(now):
        with CaptureQueriesContext(connection) as captured:
            services.dossier_deadlines_sweep(agency_id=province.department.pk, now=now)
        return len(captured)

    first = appraising(province, at=MONDAY)
    one = statements(first.due_at + dt.timedelta(hours=1))
    for _ in range(5):
        appraising(province, at=MONDAY)
    Dossier.objects.update(deadline_status=DeadlineStatus.ON_TRACK)
    many = statements(first.due_at + dt.timedelta(hours=1))
    assert Dossier.objects.filter(deadline_status=DeadlineStatus.OVERDUE).count() == 6
    assert many == one
