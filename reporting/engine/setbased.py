"""The snapshot rebuild on PostgreSQL, in SQL: the same rule as `history.standing`, computed for every dossier of a
period with window functions, and the day × cell counts with GROUP BY, in a handful of statements.

Why a second implementation: loading the events of every dossier running during a period into Python made a
year's rebuild take minutes at 100 k dossiers. Here the database reads each event once:

1. `kpi_ids`, `kpi_d`: the dossiers the period concerns (an event in it, or received before its end and not
   finished before its start, through the index on `finished_at` — the columns only narrow the candidates, the
   events decide), with their cell and static facts (channel, service level, fee, VNeID, files, the first result
   document, the first one kept in the store).
2. `kpi_e`: their events the rule reads, up to the period's end; `kpi_r`: each one's reception and end.
3. `kpi_s`: one row per event from the reception to the end (the first approval, stop or withdrawal), carrying the
   dossier's standing just after it — supplement requests so far, the appointment moved by the recorded shifts,
   whom it waits for since when, apologies, the waits closed so far — and how long that standing lasted
   (`seg_end`, the next event). Reception and end are the first such events in (time, id) order, as in Python.
4. The day rows (`rebuild` stores them, `build` returns them for today's live figures): receptions, ends and counted events by their local day; the stocks (`open_end`,
   `open_on_time_end`) by expanding each standing of a running dossier over the days whose last moment it covers
   (`generate_series`), a few rows per running dossier and day.

`tests/reporting/test_setbased.py` checks this path against the Python one (`snapshots.build_day`) on generated
dossiers and on hand-built histories, day by day and cell by cell.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dossiers.constants import DocumentKind, EventAction
from portal.constants import IdentitySource
from procedures.constants import Channel, ServiceLevel

from ..models import KpiOutcome, KpiSnapshot
from .history import END_ACTIONS, READ_ACTIONS, RECEIVE_ACTIONS, SHIFT_ACTIONS, Standing

A = EventAction


def available() -> bool:
    return connection.vendor == "postgresql"


LOCK = 766_0001  # pg_advisory_xact_lock key: one writer of the snapshot tables at a time


def lock_snapshots(*, wait: bool = True) -> bool:
    """Within a transaction: wait for any other rebuild (the nightly task runs days in parallel workers; a delete
    and insert of the same rows by two of them at once would leave both sets). Without `wait`: False when another
    rebuild holds the tables."""
    if not available():
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
        return cursor.fetchone()[0]


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def _statements(stops_clock: bool) -> list[str]:
    """The statements; parameters are named (%(start)s, %(end)s, %(first)s, %(last)s, %(tz)s)."""
    waits = [A.REQUEST_SUPPLEMENT] + ([A.REQUEST_PAYMENT] if stops_clock else [])
    wait_relevant = {A.REQUEST_SUPPLEMENT, A.REQUEST_PAYMENT, *SHIFT_ACTIONS}
    local = "(({}) AT TIME ZONE %(tz)s)::date"
    prepare = [
        "DROP TABLE IF EXISTS kpi_ids, kpi_d, kpi_e, kpi_r, kpi_s",
        # 1. the dossiers the period concerns: an event in it, or running at some moment of it (by the columns,
        # through the index on finished_at; the events decide afterwards)
        f"""
        CREATE TEMP TABLE kpi_ids AS
        SELECT e.dossier_id AS id FROM dossiers_dossierevent e
        WHERE e.at >= %(start)s AND e.at < %(end)s AND e.action IN {_in(READ_ACTIONS)}
        UNION
        SELECT x.id FROM dossiers_dossier x WHERE x.finished_at IS NULL AND x.received_at < %(end)s
        UNION
        SELECT x.id FROM dossiers_dossier x WHERE x.finished_at >= %(start)s AND x.received_at < %(end)s
        """,
        "ANALYZE kpi_ids",
        # with their cell and static facts
        f"""
        CREATE TEMP TABLE kpi_d AS
        SELECT d.id,
               COALESCE(d.competent_agency_id, d.receiving_agency_id) AS agency_id,
               v.procedure_id,
               ag.administrative_unit_id AS unit_id,
               d.channel,
               d.original_due_at AS due0,
               (d.channel = {int(Channel.ONLINE)} AND v.service_level = '{ServiceLevel.FULL_ONLINE}') AS full_online,
               EXISTS (SELECT 1 FROM procedures_fee f WHERE f.version_id = d.procedure_version_id AND f.amount > 0)
                   AS fee,
               d.paid_online,
               COALESCE(u.identity_source = '{IdentitySource.NATIONAL_SSO}', FALSE) AS vneid,
               COALESCE(fl.has_file, FALSE) AS has_file,
               COALESCE(fl.has_digitised, FALSE) AS has_digitised,
               COALESCE(fl.has_reused, FALSE) AS has_reused,
               doc.result_at,
               doc.store_at
        FROM dossiers_dossier d
        JOIN procedures_procedureversion v ON v.id = d.procedure_version_id
        LEFT JOIN portal_agency ag ON ag.id = COALESCE(d.competent_agency_id, d.receiving_agency_id)
        LEFT JOIN portal_user u ON u.id = d.applicant_id
        LEFT JOIN LATERAL (
            SELECT TRUE AS has_file, bool_or(f.digitised) AS has_digitised, bool_or(f.reused) AS has_reused
            FROM dossiers_dossierfile f WHERE f.dossier_id = d.id HAVING count(*) > 0
        ) fl ON TRUE
        LEFT JOIN LATERAL (
            SELECT min(r.created_at) AS result_at,
                   min(r.created_at) FILTER (WHERE r.kho_document_id IS NOT NULL) AS store_at
            FROM dossiers_dossierdocument r
            WHERE r.dossier_id = d.id AND r.kind = '{DocumentKind.RESULT}' AND r.created_at < %(end)s
        ) doc ON TRUE
        JOIN kpi_ids ON kpi_ids.id = d.id
        """,
        "ALTER TABLE kpi_d ADD PRIMARY KEY (id)",
        "ANALYZE kpi_d",
        # 2. their events the rule reads
        f"""
        CREATE TEMP TABLE kpi_e AS
        SELECT e.dossier_id, e.id, e.at, e.action, e.payload
        FROM dossiers_dossierevent e JOIN kpi_d d ON d.id = e.dossier_id
        WHERE e.at < %(end)s AND e.action IN {_in(READ_ACTIONS)}
        """,
        "CREATE INDEX ON kpi_e (dossier_id, at, id)",
        "ANALYZE kpi_e",
        # 3. reception (the first reception event) and end (the first approval, stop or withdrawal after it)
        f"""
        CREATE TEMP TABLE kpi_r AS
        SELECT r.dossier_id, r.recv_at, r.recv_id, f.fin_at, f.fin_id, f.fin_action
        FROM (
            SELECT DISTINCT ON (dossier_id) dossier_id, at AS recv_at, id AS recv_id
            FROM kpi_e WHERE action IN {_in(RECEIVE_ACTIONS)}
            ORDER BY dossier_id, at, id
        ) r
        LEFT JOIN LATERAL (
            SELECT e.at AS fin_at, e.id AS fin_id, e.action AS fin_action
            FROM kpi_e e
            WHERE e.dossier_id = r.dossier_id AND e.action IN {_in(END_ACTIONS)}
              AND (e.at, e.id) > (r.recv_at, r.recv_id)
            ORDER BY e.at, e.id LIMIT 1
        ) f ON TRUE
        """,
        "ALTER TABLE kpi_r ADD PRIMARY KEY (dossier_id)",
        "ANALYZE kpi_r",
        # 4. the standing after each event from the reception to the end
        f"""
        CREATE TEMP TABLE kpi_s AS
        WITH active AS (
            SELECT e.dossier_id, e.id, e.at, e.action, r.recv_at, r.recv_id, r.fin_at, r.fin_id, r.fin_action,
                   CASE WHEN e.action IN {_in(SHIFT_ACTIONS)}
                        THEN (e.payload ->> 'due_at')::timestamptz - (e.payload ->> 'previous_due_at')::timestamptz
                   END AS shift
            FROM kpi_e e
            JOIN kpi_r r ON r.dossier_id = e.dossier_id
            WHERE (e.at, e.id) >= (r.recv_at, r.recv_id)
              AND (r.fin_at IS NULL OR (e.at, e.id) <= (r.fin_at, r.fin_id))
        ),
        waits AS (
            SELECT id,
                   CASE WHEN action IN {_in(SHIFT_ACTIONS)}
                         AND lag(action) OVER w IN {_in(waits)}
                        THEN at - lag(at) OVER w
                   END AS waited
            FROM active WHERE action IN {_in(wait_relevant)}
            WINDOW w AS (PARTITION BY dossier_id ORDER BY at, id)
        ),
        running AS (
            SELECT a.*,
                   count(*) FILTER (WHERE a.action = '{A.REQUEST_SUPPLEMENT}') OVER o AS requests,
                   count(*) FILTER (WHERE a.action = '{A.APOLOGY}') OVER o AS apologies,
                   sum(a.shift) OVER o AS shifted,
                   sum(w.waited) OVER o AS waited,
                   count(*) FILTER (WHERE a.action IN {_in(wait_relevant)}) OVER o AS wait_group,
                   lead(a.at) OVER (PARTITION BY a.dossier_id ORDER BY a.at, a.id) AS seg_end
            FROM active a LEFT JOIN waits w ON w.id = a.id
            WINDOW o AS (PARTITION BY a.dossier_id ORDER BY a.at, a.id ROWS UNBOUNDED PRECEDING)
        )
        SELECT r.dossier_id, r.id, r.at, r.action, r.recv_at, r.recv_id, r.fin_at, r.fin_id, r.fin_action, r.seg_end,
               r.requests, r.apologies, COALESCE(r.waited, interval '0') AS waited,
               CASE WHEN d.due0 IS NOT NULL THEN d.due0 + COALESCE(r.shifted, interval '0') END AS due,
               CASE WHEN first_value(r.action) OVER g IN {_in(waits)} AND r.wait_group > 0
                    THEN first_value(r.at) OVER g END AS waiting_since
        FROM running r JOIN kpi_d d ON d.id = r.dossier_id
        WINDOW g AS (PARTITION BY r.dossier_id, r.wait_group ORDER BY r.at, r.id)
        """,
    ]
    # 5. the day rows of the period
    rows = f"""
        SELECT day, agency_id, procedure_id, unit_id, channel, {{sums}}
        FROM (
            -- receptions
            SELECT {local.format("s.recv_at")} AS day, d.agency_id, d.procedure_id, d.unit_id, d.channel,
                   1 AS received,
                   (d.channel = {int(Channel.ONLINE)})::int AS received_online,
                   d.full_online::int AS received_full_online,
                   (d.has_digitised OR (d.channel = {int(Channel.ONLINE)} AND d.has_file))::int AS received_digitised,
                   d.has_reused::int AS received_reused,
                   (d.has_reused OR COALESCE(d.store_at < ({local.format("s.recv_at")} + 1)::timestamp
                                                      AT TIME ZONE %(tz)s, FALSE))::int AS received_store_linked,
                   d.vneid::int AS received_vneid,
                   d.fee::int AS received_fee,
                   (d.fee AND d.paid_online)::int AS received_paid_online,
                   0 AS finished, 0 AS finished_on_time, 0::bigint AS finished_minutes, 0 AS finished_with_result,
                   0 AS finished_electronic_result, 0 AS stopped, 0 AS withdrawn,
                   0 AS supplements, 0 AS apologies, 0 AS transfers, 0 AS open_end, 0 AS open_on_time_end
            FROM kpi_s s JOIN kpi_d d ON d.id = s.dossier_id
            WHERE s.id = s.recv_id AND s.recv_at >= %(start)s
            UNION ALL
            -- ends (the first approval, stop or withdrawal after the reception)
            SELECT {local.format("s.fin_at")}, d.agency_id, d.procedure_id, d.unit_id, d.channel,
                   0, 0, 0, 0, 0, 0, 0, 0, 0,
                   1,
                   (s.requests < 2 AND (s.due IS NULL OR s.fin_at <= s.due))::int,
                   floor(greatest(extract(epoch FROM s.fin_at - s.recv_at - s.waited), 0) / 60)::bigint,
                   (s.fin_action = '{A.APPROVE}')::int,
                   (s.fin_action = '{A.APPROVE}'
                    AND COALESCE(d.result_at < ({local.format("s.fin_at")} + 1)::timestamp AT TIME ZONE %(tz)s,
                                 FALSE))::int,
                   (s.fin_action = '{A.STOP}')::int,
                   (s.fin_action = '{A.WITHDRAW}')::int,
                   0, 0, 0, 0, 0
            FROM kpi_s s JOIN kpi_d d ON d.id = s.dossier_id
            WHERE s.id = s.fin_id AND s.fin_at >= %(start)s
            UNION ALL
            -- supplement requests, apologies and transfers of the day, of dossiers received by its end
            SELECT {local.format("e.at")}, d.agency_id, d.procedure_id, d.unit_id, d.channel,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                   (e.action = '{A.REQUEST_SUPPLEMENT}')::int,
                   (e.action = '{A.APOLOGY}')::int,
                   (e.action = '{A.TRANSFER}')::int,
                   0, 0
            FROM kpi_e e JOIN kpi_d d ON d.id = e.dossier_id
            JOIN kpi_r r ON r.dossier_id = e.dossier_id
            WHERE e.at >= %(start)s
              AND e.action IN {_in({A.REQUEST_SUPPLEMENT, A.APOLOGY, A.TRANSFER})}
              AND r.recv_at < ({local.format("e.at")} + 1)::timestamp AT TIME ZONE %(tz)s
            UNION ALL
            -- running at the day's last moment: each standing over the days whose last moment it covers
            SELECT g.day, d.agency_id, d.procedure_id, d.unit_id, d.channel,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                   1,
                   (s.requests < 2 AND (s.due IS NULL
                        OR COALESCE(s.waiting_since,
                                    (g.day + 1)::timestamp AT TIME ZONE %(tz)s - interval '1 microsecond')
                           <= s.due))::int
            FROM kpi_s s JOIN kpi_d d ON d.id = s.dossier_id
            CROSS JOIN LATERAL (
                SELECT gs::date AS day FROM generate_series(
                    greatest({local.format("s.at")}, %(first)s::date)::timestamp,
                    least(CASE WHEN s.seg_end IS NULL THEN %(last)s::date
                               ELSE {local.format("s.seg_end")} - 1 END, %(last)s::date)::timestamp,
                    interval '1 day') gs
            ) g
            WHERE s.fin_id IS NULL OR s.id <> s.fin_id
        ) parts
        WHERE day >= %(first)s AND day <= %(last)s
        GROUP BY day, agency_id, procedure_id, unit_id, channel
        HAVING {{nonzero}}
    """
    # the outcomes of the dossiers finished in the period
    outcomes = f"""
        SELECT s.dossier_id, {local.format("s.fin_at")}, d.agency_id, d.procedure_id, d.unit_id, d.channel,
               s.requests < 2 AND (s.due IS NULL OR s.fin_at <= s.due), s.fin_action, s.requests, s.apologies
        FROM kpi_s s JOIN kpi_d d ON d.id = s.dossier_id
        WHERE s.id = s.fin_id AND s.fin_at >= %(start)s AND s.fin_at < %(end)s
    """
    # the dossiers still running at the period's end, with their last standing
    running = """
        SELECT DISTINCT ON (s.dossier_id) s.dossier_id, d.agency_id, d.procedure_id, d.unit_id, d.channel,
               s.recv_at, s.due, s.requests, s.waited, s.apologies, s.waiting_since
        FROM kpi_s s JOIN kpi_d d ON d.id = s.dossier_id
        WHERE s.fin_id IS NULL
        ORDER BY s.dossier_id, s.at DESC, s.id DESC
    """
    return {"prepare": prepare, "rows": rows, "outcomes": outcomes, "running": running}


CLEANUP = "DROP TABLE IF EXISTS kpi_ids, kpi_d, kpi_e, kpi_r, kpi_s"


def _sql(first: dt.date, last: dt.date) -> tuple[dict, dict]:
    from .snapshots import COUNTERS, day_bounds

    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    params = {"start": start, "end": end, "first": first, "last": last}
    params["tz"] = timezone.get_current_timezone_name()
    statements = _statements(settings.DOSSIER_PAYMENT_STOPS_CLOCK)
    statements["rows"] = statements["rows"].format(
        sums=", ".join(f"sum({name}) AS {name}" for name in COUNTERS),
        nonzero=" OR ".join(f"sum({name}) > 0" for name in COUNTERS),
    )
    return statements, params


def rebuild(first: dt.date, last: dt.date) -> int:
    """Replace the stored day rows and outcomes of [first, last] (the month rollups are the caller's); returns
    the number of day rows written."""
    from .snapshots import COUNTERS

    statements, params = _sql(first, last)
    counters = ", ".join(COUNTERS)
    with transaction.atomic(), connection.cursor() as cursor:
        lock_snapshots()
        if (last - first).days < 31:
            # compiling the plans costs more than running them on a few days' rows
            cursor.execute("SET LOCAL jit = off")
        KpiSnapshot.objects.filter(day__gte=first, day__lte=last).delete()
        for sql in statements["prepare"]:
            cursor.execute(sql, params)
        cursor.execute(
            f"INSERT INTO {KpiSnapshot._meta.db_table} (day, agency_id, procedure_id, unit_id, channel, {counters}, "
            f"built_at) SELECT *, now() FROM ({statements['rows']}) day_rows",
            params,
        )
        rows = cursor.rowcount
        # the outcomes of the dossiers finished in the period replace their days' rows and any older row of theirs
        table = KpiOutcome._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE day >= %(first)s AND day <= %(last)s", params)
        cursor.execute(
            f"DELETE FROM {table} WHERE dossier_id IN "
            "(SELECT dossier_id FROM kpi_r WHERE fin_at >= %(start)s AND fin_at < %(end)s)",
            params,
        )
        cursor.execute(
            f"INSERT INTO {table} (dossier_id, day, agency_id, procedure_id, unit_id, channel, on_time, end_action, "
            f"supplement_requests, apologies) {statements['outcomes']}",
            params,
        )
        cursor.execute(CLEANUP)
    return rows


def build(day: dt.date):
    """One day computed in SQL and returned, not stored (today's live figures): the same `DayBuild` as the Python
    path — the day's rows, its outcomes, and the running dossiers already late at its end with their standing."""
    from .snapshots import COUNTERS, DayBuild, day_bounds

    statements, params = _sql(day, day)
    _, end = day_bounds(day)
    moment = end - dt.timedelta(microseconds=1)
    built = DayBuild([], [], [])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        for sql in statements["prepare"]:
            cursor.execute(sql, params)
        cursor.execute(statements["rows"], params)
        for row_day, agency, procedure, unit, channel, *counts in cursor.fetchall():
            built.rows.append(
                KpiSnapshot(
                    day=row_day,
                    agency_id=agency,
                    procedure_id=procedure,
                    unit_id=unit,
                    channel=channel,
                    **{name: int(value) for name, value in zip(COUNTERS, counts, strict=True)},
                )
            )
        cursor.execute(statements["outcomes"], params)
        for (
            dossier,
            row_day,
            agency,
            procedure,
            unit,
            channel,
            on_time,
            action,
            requests,
            apologies,
        ) in cursor:
            built.outcomes.append(
                KpiOutcome(
                    dossier_id=dossier,
                    day=row_day,
                    agency_id=agency,
                    procedure_id=procedure,
                    unit_id=unit,
                    channel=channel,
                    on_time=on_time,
                    end_action=action,
                    supplement_requests=requests,
                    apologies=apologies,
                )
            )
        cursor.execute(statements["running"], params)
        for (
            dossier,
            agency,
            procedure,
            unit,
            channel,
            received,
            due,
            requests,
            waited,
            apologies,
            since,
        ) in cursor:
            on_time = requests < 2 and (due is None or (since or moment) <= due)
            if not on_time:
                standing = Standing(received, None, "", False, due, requests, waited, apologies)
                built.running_late.append((dossier, (agency, procedure, unit, channel), standing))
        cursor.execute(CLEANUP)
    return built
