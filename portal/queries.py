"""Reads sent as SQL the ORM built once per process.

On the hottest public pages (a receipt's QR code opens the dossier's status) building a small query costs
more than PostgreSQL takes to run it. A `CompiledQuery` asks the ORM for the SQL of its queryset once per
database vendor, with placeholder values in the parameters' places, and from then on sends that SQL with the
real parameters. It returns rows of plain values, moments as aware datetimes as the ORM gives them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *, placeholders: Sequence):
        """`build(*placeholders)` is the queryset (a `values_list`); `placeholders` are values that cannot be
        confused with anything else in its SQL, one for each parameter, in the order `rows` takes them."""
        self.build = build
        self.placeholders = list(placeholders)
        self._sql: dict[str, str] = {}

    def sql(self) -> str:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            sql, params = self.build(*self.placeholders).query.sql_with_params()
            if list(params) != self.placeholders:
                raise ImproperlyConfigured(
                    f"The query's parameters {params!r} are not its placeholders {self.placeholders!r}."
                )
            self._sql[connection.vendor] = sql
        return sql

    def rows(self, *params) -> list[tuple]:
        if len(params) != len(self.placeholders):
            raise TypeError(f"{len(self.placeholders)} parameters expected, {len(params)} given")
        with connection.cursor() as cursor:
            cursor.execute(self.sql(), params)
            return [tuple(_aware(value) for value in row) for row in cursor.fetchall()]


def _aware(value):
    """SQLite's rows carry naive moments in UTC where the ORM would give aware ones."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
