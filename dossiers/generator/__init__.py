"""A realistic province of generated dossiers, for measuring the portal at the size it runs at.

`generate(count=, years=, seed=)` (the command `manage.py generate_dossiers`) builds the province (the demo
province and catalogue, communes as agencies, officers for every role, citizens) and replays the life of
`count` dossiers received over the last `years` years: every channel, every terminal and running state,
supplements, payments, transfers, stops, withdrawals, apologies, late and early finishes — with the event and
handover rows each service writes, on the working calendar. Deterministic for a seed (and a `now`).

Later apps add their own rows for the generated dossiers with a *generator step*, registered in their
`AppConfig.ready()`:

    from dossiers.generator import register_generator_step

    def payments_for_generated(run: GeneratedRun) -> None:
        dossiers = Dossier.objects.filter(pk__range=(run.first_dossier_id, run.last_dossier_id))
        rows = [...]                                  # dicts by attname, ids included or left to the database
        run.write(PaymentTransaction, rows)           # COPY on PostgreSQL, bulk_create elsewhere

    register_generator_step(payments_for_generated)

A step takes one `GeneratedRun` and returns nothing; it runs once, after the dossiers are written and their
indexes rebuilt, in registration order. It draws its randomness from `run.random(name)` so that the run stays
deterministic, and writes through `run.write`, which COPYs on PostgreSQL (then call `run.reset_sequences`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, connections, models, transaction
from django.utils import timezone

from portal.working_time import load_calendar

from ..archive import retention
from ..archive.selectors import retention_rules
from ..models import (
    ArchiveRecord,
    Dossier,
    DossierApology,
    DossierCodeCounter,
    DossierEvent,
    DossierHandover,
    DossierObligation,
    DossierTransfer,
)
from . import writer
from .calendar import IndexedCalendar
from .chunk import ChunkSpec, generate_chunk
from .province import Province, build

GeneratorStep = Callable[["GeneratedRun"], None]
_steps: list[GeneratorStep] = []

# Upper bounds of rows per dossier, for the id blocks each chunk writes into (ids stay deterministic).
STRIDES = {"events": 24, "handovers": 20, "transfers": 2, "apologies": 1, "obligations": 2}
BIG_TABLES = [Dossier, DossierEvent, DossierHandover]


def register_generator_step(step: GeneratorStep) -> None:
    """Add `step(run)` to what every generation does after writing the dossiers (see the module docstring)."""
    if step not in _steps:
        _steps.append(step)


def generator_steps() -> list[GeneratorStep]:
    return list(_steps)


@dataclass
class GeneratedRun:
    """What a generator step is given: the seed, the moment the run stops at, the generated dossiers' id range."""

    seed: int
    now: dt.datetime
    first_dossier_id: int
    last_dossier_id: int
    count: int
    tz: object = field(repr=False, default=None)

    def random(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    def dossier_ids(self) -> models.QuerySet:
        return Dossier.objects.filter(pk__range=(self.first_dossier_id, self.last_dossier_id))

    def write(self, model: type[models.Model], rows: Iterable[dict]) -> int:
        return writer.write(writer.Table(model), rows, tz=self.tz)

    def reset_sequences(self, *models_: type[models.Model]) -> None:
        writer.reset_sequences([m._meta.db_table for m in models_])


@dataclass
class Report:
    dossiers: int = 0
    events: int = 0
    handovers: int = 0
    seconds: float = 0.0
    states: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds spent by all processes, by phase


def _daily_counts(cal: IndexedCalendar, *, count: int, first: dt.date, last: dt.date, seed: int):
    """How many dossiers each working day gets: more on Mondays, growing over the years, a dip around Tết."""
    rng = random.Random(f"days:{seed}")
    days = [(d, w) for d, w in cal.working_days() if first <= d <= last]
    weights = []
    span = max((last - first).days, 1)
    for day, _windows in days:
        w = (1.25, 1.1, 1.0, 1.0, 0.95, 0.5, 0.3)[day.weekday()]
        w *= 0.8 + 0.4 * (day - first).days / span
        if day.month in (1, 2) and day.day < 20:
            w *= 0.85
        weights.append(w * rng.uniform(0.9, 1.1))
    total = sum(weights)
    out, acc, given = [], 0.0, 0
    for (day, _w), w in zip(days, weights, strict=True):
        acc += w
        target = round(count * acc / total)
        out.append((day, target - given))
        given = target
    return out


def _chunks(daily: list[tuple[dt.date, int]], size: int) -> list[ChunkSpec]:
    chunks, current, first, n = [], [], 0, 0
    for day, k in daily:
        current.append((day, k))
        n += k
        if n >= size:
            chunks.append(ChunkSpec(index=len(chunks), days=tuple(current), first_dossier=first))
            first += n
            current, n = [], 0
    if current:
        chunks.append(ChunkSpec(index=len(chunks), days=tuple(current), first_dossier=first))
    return chunks


class _Context:
    """What every chunk needs, set before the worker processes fork."""

    province: Province
    cal: IndexedCalendar
    seed: int
    now: float
    bases: dict[str, int]
    stride_dossiers: int
    rules: list
    tz: object
    fast_load: bool


_ctx = _Context()


def _archive_record(d: dict, field_code: str, cal: IndexedCalendar) -> dict:
    finished_on = cal.local_date(d["finished_at"])
    kept = retention.resolve(_ctx.rules, field_code=field_code or None, finished_on=finished_on)
    return {
        "dossier_id": d["id"],
        "finished_on": finished_on,
        "permanent": kept.permanent,
        "retention_years": kept.years,
        "retain_until": kept.retain_until,
        "basis": kept.basis[:500],
        "legal_basis": kept.legal_basis,
        "computed_at": d["finished_at"],
    }


def _offset(rows: list[dict], base: int, **links: int) -> None:
    for row in rows:
        row["id"] += base
        for key, add in links.items():
            if row.get(key) is not None:
                row[key] += add


def _run_chunk(spec: ChunkSpec) -> tuple[int, int, int, dict[str, int]]:
    c = _ctx
    started = time.perf_counter()
    rows, counters, records = generate_chunk(
        spec, seed=c.seed, province=c.province, cal=c.cal, now=c.now, dossier_base=c.bases["dossiers"],
        archive=_archive_record,
    )  # fmt: skip
    block = {k: c.bases[k] + spec.index * c.stride_dossiers * STRIDES[k] for k in STRIDES}
    for name, stride in STRIDES.items():
        if len(getattr(rows, name)) > c.stride_dossiers * stride:
            raise RuntimeError(f"Too many {name} in one chunk; raise STRIDES[{name!r}].")
    _offset(rows.events, block["events"])
    _offset(rows.handovers, block["handovers"], event_id=block["events"])
    _offset(rows.apologies, block["apologies"], event_id=block["events"])
    for event in rows.events:
        if "apology_id" in event["payload"]:
            event["payload"] = {
                **event["payload"],
                "apology_id": event["payload"]["apology_id"] + block["apologies"],
            }
    _offset(rows.transfers, block["transfers"])
    _offset(rows.obligations, block["obligations"])
    tz = c.tz
    t0 = time.perf_counter()
    skipped = c.fast_load and writer.skip_foreign_key_checks()
    with transaction.atomic():
        writer.write(writer.Table(Dossier), rows.dossiers, tz=tz)
        writer.write(writer.Table(DossierEvent), rows.events, tz=tz)
        writer.write(writer.Table(DossierHandover), rows.handovers, tz=tz)
        writer.write(writer.Table(DossierTransfer), rows.transfers, tz=tz)
        writer.write(writer.Table(DossierApology), rows.apologies, tz=tz)
        writer.write(writer.Table(DossierObligation), rows.obligations, tz=tz)
        writer.write(
            writer.Table(DossierCodeCounter),
            ({"agency_id": a, "date": day, "last_number": n} for a, day, n in counters),
            tz=tz,
        )
        writer.write(writer.Table(ArchiveRecord), records, tz=tz)
    if skipped:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    timings = {"generate": t0 - started, "write": time.perf_counter() - t0}
    states: dict[str, int] = {}
    for d in rows.dossiers:
        states[d["state"]] = states.get(d["state"], 0) + 1
    return len(rows.dossiers), len(rows.events), len(rows.handovers), states, timings


def _worker_init() -> None:
    # Each process opens its own connection; the parent's was closed before the fork.
    connections.close_all()


def generate(
    *,
    count: int,
    years: float = 3,
    seed: int = 1,
    now: dt.datetime | None = None,
    communes: int = 60,
    citizens: int | None = None,
    workers: int | None = None,
    chunk_size: int = 2000,
    rebuild_indexes: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Generate `count` dossiers received over the `years` years before `now` (see the module docstring)."""
    started = time.perf_counter()
    if rebuild_indexes is None:
        rebuild_indexes = count >= 50000
    log = log or (lambda message: None)
    now = now or timezone.now()
    calendar = load_calendar()
    first_day = (now - dt.timedelta(days=int(365.25 * years))).astimezone(calendar.tz).date()
    last_day = now.astimezone(calendar.tz).date()
    if DossierCodeCounter.objects.filter(date__gte=first_day, date__lte=last_day).exists():
        raise ValueError(
            "Cơ sở dữ liệu đã có hồ sơ được tiếp nhận trong khoảng thời gian này; sinh dữ liệu vào một cơ sở dữ liệu mới."
        )
    citizens = citizens if citizens is not None else min(max(count // 20, 50), 50000)
    province = build(seed=seed, communes=communes, citizens=citizens, years=int(years) + 1,
                     day_minutes_calendar=calendar.day_minutes)  # fmt: skip
    calendar = load_calendar()  # with the holidays of every generated year
    cal = IndexedCalendar(calendar, first_day - dt.timedelta(days=60), last_day + dt.timedelta(days=800))
    daily = _daily_counts(cal, count=count, first=first_day, last=last_day, seed=seed)
    chunks = _chunks(daily, chunk_size)
    log(f"Tỉnh: {len(province.plans)} thủ tục, {len(province.staff)} cơ quan có cán bộ, {len(chunks)} phần.")
    _ctx.province, _ctx.cal, _ctx.seed, _ctx.now, _ctx.tz = province, cal, seed, now.timestamp(), calendar.tz
    _ctx.rules = retention_rules()
    _ctx.fast_load = rebuild_indexes
    _ctx.stride_dossiers = max((c.size for c in chunks), default=0)
    _ctx.bases = {
        "dossiers": writer.max_id(Dossier) + 1,
        "events": writer.max_id(DossierEvent) + 1,
        "handovers": writer.max_id(DossierHandover) + 1,
        "transfers": writer.max_id(DossierTransfer) + 1,
        "apologies": writer.max_id(DossierApology) + 1,
        "obligations": writer.max_id(DossierObligation) + 1,
    }
    report = Report()
    workers = workers or (os.cpu_count() or 1)
    parallel = writer.is_postgres() and workers > 1 and len(chunks) > 1
    tables = [m._meta.db_table for m in BIG_TABLES]
    with writer.indexes_rebuilt_after(tables, enabled=rebuild_indexes):
        if parallel:
            connections.close_all()
            context = multiprocessing.get_context("fork")
            with context.Pool(workers, initializer=_worker_init) as pool:
                results = pool.imap_unordered(_run_chunk, chunks)
                for done, result in enumerate(results, start=1):
                    _add(report, result)
                    if done % 25 == 0 or done == len(chunks):
                        log(
                            f"{done}/{len(chunks)} phần, {report.dossiers} hồ sơ, {time.perf_counter() - started:.0f} s"
                        )
        else:
            for spec in chunks:
                _add(report, _run_chunk(spec))
        log(
            f"Đã ghi {report.dossiers} hồ sơ sau {time.perf_counter() - started:.0f} s (sinh "
            f"{report.timings.get('generate', 0):.0f} s, ghi {report.timings.get('write', 0):.0f} s cộng mọi tiến "
            "trình); dựng lại chỉ mục…"
        )
    writer.reset_sequences(
        [
            m._meta.db_table
            for m in (
                *BIG_TABLES,
                DossierTransfer,
                DossierApology,
                DossierObligation,
                DossierCodeCounter,
                ArchiveRecord,
            )
        ]  # fmt: skip
    )
    if report.dossiers:
        run = GeneratedRun(seed=seed, now=now, first_dossier_id=_ctx.bases["dossiers"],
                           last_dossier_id=_ctx.bases["dossiers"] + report.dossiers - 1, count=report.dossiers,
                           tz=calendar.tz)  # fmt: skip
        for step in generator_steps():
            step(run)
    if connection.vendor == "postgresql" and not rebuild_indexes:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')
    report.seconds = time.perf_counter() - started
    return report


def _add(report: Report, result) -> None:
    dossiers, events, handovers, states, timings = result
    for key, seconds in timings.items():
        report.timings[key] = report.timings.get(key, 0.0) + seconds
    report.dossiers += dossiers
    report.events += events
    report.handovers += handovers
    for state, n in states.items():
        report.states[state] = report.states.get(state, 0) + n
