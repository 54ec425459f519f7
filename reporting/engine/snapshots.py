"""Daily snapshots: the counts of one day per agency × procedure × administrative unit × channel, built from the
dossiers' event history (`history.standing`), and rebuilt for any past day.

A day reads only the dossiers that have an event that day or are still running at its end; their events, files and
result documents are loaded in a few bulk queries per chunk of dossiers. The dashboards then aggregate these rows in
the database (GROUP BY), and "today" is built the same way, on demand, on top of them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dossiers.constants import DocumentKind, EventAction
from dossiers.models import Dossier, DossierDocument, DossierEvent, DossierFile
from portal.constants import IdentitySource
from portal.models import Agency
from procedures.constants import Channel, ServiceLevel
from procedures.models import Fee

from ..models import KpiMonthSnapshot, KpiOutcome, KpiSnapshot
from . import catalogue, setbased
from .history import READ_ACTIONS, Event, Standing, standing

A = EventAction
CHUNK = 2000
COUNTERS = [
    f.name
    for f in KpiSnapshot._meta.get_fields()
    if getattr(f, "get_internal_type", lambda: "")() in ("PositiveIntegerField", "PositiveBigIntegerField")
]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


@dataclass
class DossierFacts:
    """What a day's counts need of one dossier besides its events."""

    pk: int
    key: tuple
    channel: int
    original_due_at: dt.datetime | None
    full_online: bool
    fee: bool
    paid_online: bool
    vneid: bool
    events: list[Event] = field(default_factory=list)
    has_file: bool = False
    has_digitised: bool = False
    has_reused: bool = False
    result_at: dt.datetime | None = None
    store_at: dt.datetime | None = None  # the first result document kept in the citizen's store

    @property
    def digitised(self) -> bool:
        """4b: an online dossier's files are digital already; one received on paper needs a digitised file."""
        return self.has_digitised or (self.channel == Channel.ONLINE and self.has_file)


def relevant_dossier_ids(start: dt.datetime, end: dt.datetime) -> list[int]:
    """Dossiers with an event in [start, end), and those received before its end and not finished before its
    start (running at some moment of it). The columns only narrow the candidates; the events decide."""
    with_events = DossierEvent.objects.filter(at__gte=start, at__lt=end, action__in=READ_ACTIONS).values_list(
        "dossier_id", flat=True
    )
    running = Dossier.objects.filter(received_at__lt=end).filter(
        Q(finished_at__isnull=True) | Q(finished_at__gte=start)
    )
    return sorted(set(with_events) | set(running.values_list("pk", flat=True)))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def load_facts(ids: list[int], *, until: dt.datetime, units: dict[int, int | None]) -> list[DossierFacts]:
    fee_versions = set(Fee.objects.filter(amount__gt=0).values_list("version_id", flat=True).distinct())
    facts: list[DossierFacts] = []
    for chunk in _chunks(ids):
        rows = Dossier.objects.filter(pk__in=chunk).values_list(
            "pk",
            "competent_agency_id",
            "receiving_agency_id",
            "procedure_version__procedure_id",
            "procedure_version_id",
            "procedure_version__service_level",
            "channel",
            "original_due_at",
            "paid_online",
            "applicant__identity_source",
        )
        by_pk: dict[int, DossierFacts] = {}
        for pk, competent, receiving, procedure, version, level, channel, due, paid, source in rows:
            agency = competent or receiving
            by_pk[pk] = DossierFacts(
                pk=pk,
                key=(agency, procedure, units.get(agency), channel),
                channel=channel,
                original_due_at=due,
                full_online=channel == Channel.ONLINE and level == ServiceLevel.FULL_ONLINE,
                fee=version in fee_versions,
                paid_online=paid,
                vneid=source == IdentitySource.NATIONAL_SSO,
            )
        events = (
            DossierEvent.objects.filter(dossier_id__in=chunk, at__lt=until, action__in=READ_ACTIONS)
            .order_by("dossier_id", "at", "id")
            .values_list("dossier_id", "action", "at", "payload")
        )
        for dossier_id, action, at, payload in events:
            by_pk[dossier_id].events.append(Event(action, at, payload or {}))
        files = DossierFile.objects.filter(dossier_id__in=chunk).values_list(
            "dossier_id", "digitised", "reused"
        )
        for dossier_id, digitised, reused in files:
            f = by_pk[dossier_id]
            f.has_file = True
            f.has_digitised |= digitised
            f.has_reused |= reused
        results = DossierDocument.objects.filter(
            dossier_id__in=chunk, kind=DocumentKind.RESULT, created_at__lt=until
        ).values_list("dossier_id", "kho_document_id", "created_at")
        for dossier_id, kho, created_at in results:
            f = by_pk[dossier_id]
            f.result_at = created_at if f.result_at is None else min(f.result_at, created_at)
            if kho is not None:
                f.store_at = created_at if f.store_at is None else min(f.store_at, created_at)
        facts.extend(by_pk.values())
    return facts


def agency_units() -> dict[int, int | None]:
    return dict(Agency.objects.values_list("pk", "administrative_unit_id"))


@dataclass
class DayBuild:
    """One day built: the snapshot rows, the outcomes of the dossiers finished that day, and the dossiers still
    running at its end that already count as late (with their standing, for the overdue list)."""

    rows: list[KpiSnapshot]
    outcomes: list[KpiOutcome]
    running_late: list[tuple[int, tuple, Standing]]
    cells: list | None = field(default=None, repr=False)  # the rows' non-zero counters, for the dashboards


def count_day(
    facts: list[DossierFacts], *, start: dt.datetime, end: dt.datetime, build: DayBuild | None = None
):
    """The day's counters per cell, from the facts of the dossiers the day concerns."""
    stops_clock = settings.DOSSIER_PAYMENT_STOPS_CLOCK
    cells: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    day = timezone.localtime(start).date()
    moment = end - dt.timedelta(microseconds=1)
    for f in facts:
        s: Standing = standing(
            f.events, original_due_at=f.original_due_at, at=moment, payment_stops_clock=stops_clock
        )
        if not s.received:
            continue
        c = cells[f.key]
        if start <= s.received_at < end:
            c["received"] += 1
            c["received_online"] += f.channel == Channel.ONLINE
            c["received_full_online"] += f.full_online
            c["received_digitised"] += f.digitised
            c["received_reused"] += f.has_reused
            c["received_store_linked"] += f.has_reused or (f.store_at is not None and f.store_at < end)
            c["received_vneid"] += f.vneid
            c["received_fee"] += f.fee
            c["received_paid_online"] += f.fee and f.paid_online
        if s.finished and start <= s.finished_at < end:
            c["finished"] += 1
            c["finished_on_time"] += s.on_time
            c["finished_minutes"] += int(s.processing_time.total_seconds() // 60)
            c["finished_with_result"] += s.end_action == A.APPROVE
            c["finished_electronic_result"] += (
                s.end_action == A.APPROVE and f.result_at is not None and f.result_at < end
            )
            c["stopped"] += s.end_action == A.STOP
            c["withdrawn"] += s.end_action == A.WITHDRAW
            if build is not None:
                agency, procedure, unit, channel = f.key
                build.outcomes.append(
                    KpiOutcome(
                        dossier_id=f.pk,
                        day=day,
                        agency_id=agency,
                        procedure_id=procedure,
                        unit_id=unit,
                        channel=channel,
                        on_time=s.on_time,
                        end_action=s.end_action,
                        supplement_requests=s.supplement_requests,
                        apologies=s.apologies,
                    )
                )
        if s.running:
            c["open_end"] += 1
            c["open_on_time_end"] += s.on_time
            if build is not None and not s.on_time:
                build.running_late.append((f.pk, f.key, s))
        for event in f.events:
            if start <= event.at < end:
                c["supplements"] += event.action == A.REQUEST_SUPPLEMENT
                c["apologies"] += event.action == A.APOLOGY
                c["transfers"] += event.action == A.TRANSFER
    return {key: counts for key, counts in cells.items() if any(counts.values())}


def build_day(day: dt.date, facts: list[DossierFacts] | None = None) -> DayBuild:
    """The snapshot rows of one day, not saved (used for today, live, and by `rebuild_day`). `facts` may cover more
    dossiers and later events than the day (a window of days loaded at once): counting reads only up to its end."""
    if facts is None and setbased.available():
        return setbased.build(day)
    start, end = day_bounds(day)
    if facts is None:
        facts = load_facts(relevant_dossier_ids(start, end), until=end, units=agency_units())
    build = DayBuild([], [], [])
    cells = count_day(facts, start=start, end=end, build=build)
    build.rows = [
        KpiSnapshot(
            day=day, agency_id=agency, procedure_id=procedure, unit_id=unit, channel=channel, **counts
        )
        for (agency, procedure, unit, channel), counts in cells.items()
    ]
    return build


STOCKS = ("open_end", "open_on_time_end")
DIMENSION_COLUMNS = ("agency_id", "procedure_id", "unit_id", "channel")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _insert(model, objects: list) -> None:
    """Insert rows with one prepared statement (the ORM's per-value preparation dominated the rebuild)."""
    if not objects:
        return
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) VALUES ({marks})"
    now = timezone.now()
    # Plain values (ints, dates, booleans) need no preparation; the one timestamp is set here.
    rows = [[now if f.name == "built_at" else getattr(o, f.attname) for f in columns] for o in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def rollup_month(month: dt.date) -> int:
    """Replace the month's rollup rows by the sums of its daily rows (one INSERT … SELECT … GROUP BY)."""
    first = month_start(month)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    flows = [name for name in COUNTERS if name not in STOCKS]
    q = connection.ops.quote_name
    dims = ", ".join(q(c) for c in DIMENSION_COLUMNS)
    sql = (
        f"INSERT INTO {q(KpiMonthSnapshot._meta.db_table)} (month, {dims}, {', '.join(q(n) for n in flows)}, "
        f"{', '.join(q(n) for n in STOCKS)}) "
        f"SELECT %s, {dims}, {', '.join(f'SUM({q(n)})' for n in flows)}, {', '.join('0' for _ in STOCKS)} "
        f"FROM {q(KpiSnapshot._meta.db_table)} WHERE day >= %s AND day < %s GROUP BY {dims}"
    )
    with transaction.atomic():
        setbased.lock_snapshots()
        KpiMonthSnapshot.objects.filter(month=first).delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, [first, first, following])
            return cursor.rowcount


def rebuild_day(day: dt.date, facts: list[DossierFacts] | None = None, *, rollup: bool = True) -> int:
    """Replace the stored rows of `day` (idempotent: building the same day twice gives the same rows), and its
    month's rollup unless the caller does it once for many days. On PostgreSQL the day is built in SQL
    (`setbased`); elsewhere, or with `facts` already loaded, in Python."""
    if facts is None and setbased.available():
        rows = setbased.rebuild(day, day)
        if rollup:
            rollup_month(day)
            catalogue.rebuild()
        changed()
        return rows
    build = build_day(day, facts)
    with transaction.atomic():
        setbased.lock_snapshots()
        KpiSnapshot.objects.filter(day=day).delete()
        _insert(KpiSnapshot, build.rows)
        KpiOutcome.objects.filter(day=day).delete()
        KpiOutcome.objects.filter(dossier_id__in=[o.dossier_id for o in build.outcomes]).delete()
        _insert(KpiOutcome, build.outcomes)
    if rollup:
        rollup_month(day)
        catalogue.rebuild()
    changed()
    return len(build.rows)


WINDOW_DAYS = 7


def rebuild_range(first: dt.date, last: dt.date, *, progress=None) -> int:
    """Rebuild every day of [first, last] and the months it touches. On PostgreSQL in SQL (`setbased`: the
    events are aggregated in the database, up to a year per pass); elsewhere in Python, loading the dossiers and
    events of a week at once."""
    if setbased.available():
        return _rebuild_range_sql(first, last, progress=progress)
    total = 0
    units = agency_units()
    window_start = first
    while window_start <= last:
        window_end = min(window_start + dt.timedelta(days=WINDOW_DAYS - 1), last)
        start, _ = day_bounds(window_start)
        _, end = day_bounds(window_end)
        facts = load_facts(relevant_dossier_ids(start, end), until=end, units=units)
        day = window_start
        while day <= window_end:
            total += rebuild_day(day, facts, rollup=False)
            if progress:
                progress(day)
            day += dt.timedelta(days=1)
        window_start = window_end + dt.timedelta(days=1)
    month = month_start(first)
    while month <= last:
        rollup_month(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    catalogue.rebuild()
    changed()
    return total


def _rebuild_range_sql(first: dt.date, last: dt.date, *, progress=None) -> int:
    """Up to a year per pass (each pass reads the events of the dossiers it concerns once), then the rollups."""
    total = 0
    chunk_first = first
    while chunk_first <= last:
        chunk_last = min(chunk_first + dt.timedelta(days=365), last)
        total += setbased.rebuild(chunk_first, chunk_last)
        if progress:
            progress(chunk_last)
        chunk_first = chunk_last + dt.timedelta(days=1)
    month = month_start(first)
    while month <= last:
        rollup_month(month)
        month = _next_month(month)
    catalogue.rebuild()
    with (
        connection.cursor() as cursor
    ):  # a period's rows replaced: fresh statistics for the dashboards' plans
        cursor.execute(f"ANALYZE {KpiSnapshot._meta.db_table}, {KpiMonthSnapshot._meta.db_table}")
    changed()
    return total


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


VERSION_KEY = "reporting:snapshots-version"


def version() -> str:
    """Changes whenever stored snapshots change (every rebuild sets it; shared through the cache, so every process
    drops the dashboard figures it kept)."""
    found = cache.get(VERSION_KEY)
    if found is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        found = cache.get(VERSION_KEY)
    return found


def changed() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def counter_names() -> list[str]:
    return list(COUNTERS)
