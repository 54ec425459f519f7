"""The dossier generator: a deterministic province whose history the state machine and the calendar agree with."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Max

from dossiers import deadlines
from dossiers.constants import FINAL_STATES, DossierState, EventAction
from dossiers.generator import GeneratedRun, generate, register_generator_step
from dossiers.generator import _steps as registered_steps
from dossiers.generator.calendar import IndexedCalendar
from dossiers.generator.chunk import ChunkSpec, generate_chunk
from dossiers.generator.province import build
from dossiers.models import (
    ArchiveRecord,
    Dossier,
    DossierApology,
    DossierCodeCounter,
    DossierEvent,
    DossierHandover,
)
from portal.working_time import WorkingCalendar, load_calendar

pytestmark = pytest.mark.django_db

STATE_CHANGES = {a for a in EventAction.values} - {
    EventAction.DEADLINE_WARNING,
    EventAction.APOLOGY_DRAFT,
    EventAction.APOLOGY,
    EventAction.MESSAGE,
}


def check_consistency() -> dict[str, int]:
    """Every dossier's history agrees with its row, the state machine and the working calendar."""
    calendar = load_calendar()
    events = defaultdict(list)
    for e in DossierEvent.objects.order_by("dossier_id", "at", "id"):
        events[e.dossier_id].append(e)
    handovers = defaultdict(list)
    for h in DossierHandover.objects.order_by("dossier_id", "handed_at", "id"):
        handovers[h.dossier_id].append(h)
    states = defaultdict(int)
    dossiers = Dossier.objects.select_related("procedure_version").prefetch_related(
        "procedure_version__processing_times"
    )
    for d in dossiers:
        states[d.state] += 1
        history = events[d.pk]
        if d.state == DossierState.DRAFT:
            assert history == []
            continue
        # the chain of states: each change starts where the previous one ended, the last one is the state
        state = DossierState.DRAFT
        for e in history:
            assert e.from_state == state, (d.pk, e.action, e.from_state, state)
            if e.action not in STATE_CHANGES:
                assert e.to_state == e.from_state
            state = e.to_state
        assert state == d.state, (d.pk, [e.action for e in history])
        assert history[-1].to_state == d.state
        # handovers: one after the other, each closed when the next opens, at most the last one open
        chain = handovers[d.pk]
        for before, after in zip(chain, chain[1:], strict=False):
            assert before.completed_at == after.handed_at, (d.pk, before.action, after.action)
            assert before.outcome == deadlines.outcome(finished_at=before.completed_at, due_at=before.step_due_at)
            assert after.from_agency_id == before.to_agency_id
        if d.state in FINAL_STATES and chain:
            assert chain[-1].completed_at is not None
        if chain:
            assert chain[0].event.action in (
                EventAction.RECEIVE,
                EventAction.RECEIVE_AT_COUNTER,
                EventAction.RECEIVE_BY_POST,
            )
        # the appointment is the procedure's time limit on the working calendar from reception
        if d.received_at and d.state != DossierState.REFUSED:
            limit = d.procedure_version.time_limit(d.channel)
            assert d.original_due_at == deadlines.appointment(limit, d.received_at, calendar), d.pk
            assert d.code and d.lookup_secret
        if d.state == DossierState.DELIVERED:
            assert d.finished_at and d.delivered_at and d.delivered_at >= d.finished_at
            assert chain[-1].action == EventAction.DELIVER
            assert hasattr(d, "archive_record")
        if d.state in (DossierState.SUPPLEMENT_REQUESTED,) and d.received_at:
            assert d.clock_stopped_at is not None
    # codes are numbered without gaps per desk and day, as the counters say
    numbers = defaultdict(list)
    for agency, received, number in Dossier.objects.filter(code__isnull=False).values_list(
        "receiving_agency_id", "received_at", "register_number"
    ):
        numbers[(agency, received.astimezone(calendar.tz).date())].append(number)
    for counter in DossierCodeCounter.objects.all():
        assert sorted(numbers[(counter.agency_id, counter.date)]) == list(range(1, counter.last_number + 1))
    assert sum(len(v) for v in numbers.values()) == Dossier.objects.filter(code__isnull=False).count()
    finished = Dossier.objects.filter(state__in=FINAL_STATES).count()
    assert ArchiveRecord.objects.count() == finished
    for apology in DossierApology.objects.select_related("event"):
        assert apology.event.action == EventAction.APOLOGY
        assert apology.event.payload["apology_id"] == apology.pk
        assert apology.approved_at < apology.previous_due_at < apology.new_due_at
    return dict(states)


def test_generated_history_agrees_with_the_state_machine_and_the_calendar(clock):
    report = generate(count=400, years=1, seed=7, communes=6, citizens=80, workers=1)
    assert report.dossiers == Dossier.objects.count() == 400
    states = check_consistency()
    # a province's mix: mostly delivered, some of every outcome, some still running
    assert states[DossierState.DELIVERED] > 300
    assert {DossierState.REFUSED, DossierState.STOPPED} & set(states)
    running = sum(n for s, n in states.items() if s not in FINAL_STATES)
    assert running > 0
    # civil status and certification dominate
    fields = defaultdict(int)
    for code in Dossier.objects.values_list("procedure_version__procedure__field__code", flat=True):
        fields[code] += 1
    assert fields["CT"] + fields["HT"] > 0.5 * 400
    # channels: desk, online and post
    assert len(set(Dossier.objects.values_list("channel", flat=True))) >= 2
    assert Dossier.objects.exclude(supplement_count=0).exists()


def _chunk_rows(seed: int, province, cal, now):
    spec = ChunkSpec(index=0, days=((dt.date(2026, 9, 14), 60), (dt.date(2026, 9, 15), 60)), first_dossier=0)
    rows, counters, _records = generate_chunk(
        spec, seed=seed, province=province, cal=cal, now=now, dossier_base=1,
        archive=lambda d, field_code, cal: {"dossier_id": d["id"]},
    )  # fmt: skip
    return rows, counters


def test_the_same_seed_gives_the_same_dossiers(clock):
    calendar = load_calendar()
    province = build(seed=3, communes=5, citizens=40, years=1, day_minutes_calendar=calendar.day_minutes)
    cal = IndexedCalendar(load_calendar(), dt.date(2026, 6, 1), dt.date(2028, 1, 1))
    now = clock.timestamp() if hasattr(clock, "timestamp") else dt.datetime(2026, 10, 14, 2, 30, tzinfo=dt.UTC).timestamp()
    first, counters = _chunk_rows(3, province, cal, now)
    again, counters_again = _chunk_rows(3, province, cal, now)
    other, _ = _chunk_rows(4, province, cal, now)
    assert first.dossiers == again.dossiers
    assert first.events == again.events
    assert first.handovers == again.handovers
    assert counters == counters_again
    assert first.dossiers != other.dossiers
    # and the province itself is built the same way again
    assert build(seed=3, communes=5, citizens=40, years=1, day_minutes_calendar=calendar.day_minutes).plans == (
        province.plans
    )


def test_the_indexed_calendar_answers_as_the_working_calendar(clock):
    calendar = WorkingCalendar(holidays=frozenset({dt.date(2026, 9, 2), dt.date(2026, 9, 1)}),
                               extra_working_days=frozenset({dt.date(2026, 9, 5)}))  # fmt: skip
    cal = IndexedCalendar(calendar, dt.date(2026, 8, 1), dt.date(2027, 3, 1))
    rng = random.Random(5)
    base = dt.datetime(2026, 8, 20, tzinfo=calendar.tz).timestamp()
    for _ in range(400):
        t = float(int(base + rng.uniform(0, 40 * 86400)))
        moment = dt.datetime.fromtimestamp(t, calendar.tz)
        minutes = rng.choice([0, 30, 210, 480, 480 * 3, 480 * 20, rng.uniform(1, 5000)])
        assert cal.counting_start(t) == calendar.counting_start(moment).timestamp()
        assert cal.counting_start(t, apply_cutoff=False) == calendar.counting_start(
            moment, apply_cutoff=False
        ).timestamp()
        start = calendar.counting_start(moment)
        expected = calendar.add_working_minutes(start, minutes)
        assert abs(cal.add_working_seconds(start.timestamp(), minutes * 60) - expected.timestamp()) < 1e-3
        other = dt.datetime.fromtimestamp(t + rng.uniform(-9 * 86400, 9 * 86400), calendar.tz)
        assert abs(
            cal.working_seconds_between(t, other.timestamp()) / 60 - calendar.working_minutes_between(moment, other)
        ) < 1e-6


def test_generator_steps_of_later_apps_run_with_the_generated_range(clock):
    seen: list[GeneratedRun] = []
    register_generator_step(seen.append)
    try:
        generate(count=60, years=0.5, seed=2, communes=4, citizens=30, workers=1)
    finally:
        registered_steps.remove(seen.append)
    assert len(seen) == 1
    run = seen[0]
    assert run.count == 60
    assert set(run.dossier_ids().values_list("pk", flat=True)) == set(Dossier.objects.values_list("pk", flat=True))
    assert run.random("x").random() == run.random("x").random()


def test_the_command_refuses_to_generate_twice_over_the_same_days(clock):
    call_command("generate_dossiers", "--count", "30", "--years", "0.2", "--communes", "4", "--workers", "1")
    with pytest.raises(Exception, match="đã có hồ sơ"):
        call_command("generate_dossiers", "--count", "30", "--years", "0.2", "--communes", "4")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_path_in_parallel_on_postgresql(clock):
    """COPY from two worker processes, indexes dropped and rebuilt, sequences moved past the ids written."""
    report = generate(count=3000, years=1, seed=11, communes=6, citizens=100, workers=2, chunk_size=500,
                      rebuild_indexes=True)  # fmt: skip
    assert report.dossiers == Dossier.objects.count() == 3000
    check_consistency()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'dossiers_dossierevent'")
        assert "dossier_event_timeline" in {row[0] for row in cursor.fetchall()}
    # the next event the services write gets a fresh id
    top = DossierEvent.objects.aggregate(m=Max("id"))["m"]
    dossier = Dossier.objects.filter(state=DossierState.DELIVERED).first()
    event = DossierEvent.objects.create(dossier=dossier, at=dossier.delivered_at, action=EventAction.MESSAGE,
                                        from_state=dossier.state, to_state=dossier.state)  # fmt: skip
    assert event.pk > top
