"""Writing generated rows: PostgreSQL COPY (psycopg 3 `cursor.copy`) for the big tables, `bulk_create` elsewhere.

On PostgreSQL the non-unique indexes of the big tables are dropped before the load and rebuilt after it (then
ANALYZE), and the id sequences are moved past the ids written. History tables only refuse UPDATE and DELETE,
so loading them with INSERT/COPY is allowed; every handover is written already closed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable
from contextlib import contextmanager

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

PAYLOAD_TIMES = ("previous_due_at", "due_at", "new_due_at", "original_due_at")


class Table:
    """A model's columns in order, the default of each, and which hold times and JSON."""

    def __init__(self, model: type[models.Model], *, with_id: bool = True) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = [f.get_default() for f in fields]
        self.times = {i for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"}
        self.json = {i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}

    def values(self, row: dict, tz) -> list:
        out = []
        for i, name in enumerate(self.attnames):
            value = row.get(name, self.defaults[i]) if name in row else self.defaults[i]
            if i in self.times and isinstance(value, float | int) and not isinstance(value, bool):
                value = dt.datetime.fromtimestamp(value, tz)
            elif i in self.json and isinstance(value, dict):
                value = {
                    k: dt.datetime.fromtimestamp(v, tz) if k in PAYLOAD_TIMES and isinstance(v, float) else v
                    for k, v in value.items()
                }
            out.append(value)
        return out


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def write(table: Table, rows: Iterable[dict], *, tz, batch_size: int = 2000) -> int:
    """Insert `rows` (dicts by attname) into `table`: COPY on PostgreSQL, bulk_create otherwise."""
    count = 0
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    if "id" not in first and any(a == "id" for a in table.attnames):
        table = Table(table.model, with_id=False)
    rows = itertools.chain([first], rows)
    if is_postgres():
        connection.ensure_connection()
        columns = ", ".join(f'"{c}"' for c in table.columns)
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy,
        ):
            for row in rows:
                values = table.values(row, tz)
                for i in table.json:
                    values[i] = json.dumps(values[i], cls=DjangoJSONEncoder, ensure_ascii=False)
                copy.write_row(values)
                count += 1
        return count
    batch = []
    for row in rows:
        batch.append(table.model(**dict(zip(table.attnames, table.values(row, tz), strict=True))))
        if len(batch) >= batch_size:
            _bulk(table, batch)
            count += len(batch)
            batch = []
    if batch:
        _bulk(table, batch)
        count += len(batch)
    return count


def skip_foreign_key_checks() -> bool:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for this session's bulk load
    (`session_replication_role = replica`): the generator writes ids it has just read or made, and the checks
    cost more than the load. Returns whether they are skipped; a plain role keeps them."""
    if not is_postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET session_replication_role = replica")
    return True


def _bulk(table: Table, batch: list) -> None:
    # The append-only querysets refuse bulk_create (it could hide an upsert); a plain insert is what it is.
    models.QuerySet(table.model).bulk_create(batch)


def _non_unique_indexes(tables: list[str]) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.indexname
            JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT x.indisunique AND NOT x.indisprimary
            ORDER BY i.indexname
            """,
            [tables],
        )
        return cursor.fetchall()


@contextmanager
def indexes_rebuilt_after(tables: list[str], *, enabled: bool):
    """Drop the non-unique indexes of `tables` for the load, and build them again (then ANALYZE) after it."""
    if not (enabled and is_postgres()):
        yield
        return
    indexes = _non_unique_indexes(tables)
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')


def reset_sequences(tables: list[str]) -> None:
    """Move each table's id sequence past the highest id written (PostgreSQL; SQLite follows by itself)."""
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM \"{table}\"), 1))",
                [table],
            )


def max_id(model: type[models.Model]) -> int:
    return models.QuerySet(model).aggregate(m=models.Max("id"))["m"] or 0
