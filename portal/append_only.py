"""Append-only history tables: rows are inserted, read, and never updated or deleted.

Dossier events, handovers, access logs, the Kho dữ liệu's document and digitisation events and the archive's
read log are evidence (the KPI index of QĐ 766/QĐ-TTg is computed from them, the audit of officers' reads is
DOMAIN §9). Two guards keep them so:

- in the ORM, `AppendOnlyModel` (save of an existing row, delete) and `AppendOnlyQuerySet` (update, delete,
  bulk_update, upsert) raise `AppendOnlyError`;
- on PostgreSQL, the `AppendOnlyTrigger` migration operation adds a BEFORE UPDATE OR DELETE trigger, so that raw
  SQL, a shell or another client cannot change the rows either. Other databases (SQLite on a laptop) only have
  the ORM guard.

A history row may end once: a handover is open until the dossier changes hands again. Such a model names its
closing column (`closing_field`, set from NULL to a value) and the columns written with it (`closing_details`);
`AppendOnlyModel._close` is the only path that sets them, and the trigger built with the same names allows that
single update and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from django.db import models
from django.db.migrations.operations.base import Operation


class AppendOnlyError(TypeError):
    """Code tried to change or remove a history row. A programming error, never shown to a person."""


def _refuse(model: type[models.Model], what: str) -> AppendOnlyError:
    return AppendOnlyError(f"{model.__name__} rows are append-only: {what} refused.")


class AppendOnlyQuerySet(models.QuerySet):
    """Insert and read only: every bulk change is refused."""

    def update(self, **kwargs):
        raise _refuse(self.model, "update()")

    def delete(self):
        raise _refuse(self.model, "delete()")

    def bulk_update(self, objs, fields, batch_size=None):
        raise _refuse(self.model, "bulk_update()")

    def bulk_create(self, objs, *args, update_conflicts: bool = False, **kwargs):
        if update_conflicts:
            raise _refuse(self.model, "bulk_create(update_conflicts=True)")
        return super().bulk_create(objs, *args, update_conflicts=update_conflicts, **kwargs)


class AppendOnlyModel(models.Model):
    """Base of every history table. Keep foreign keys from these rows `PROTECT`: a cascade or SET NULL from a
    parent row would change history behind the guard (tests/portal/test_append_only.py checks it)."""

    # The one column a row may set once, from NULL to a value, and the columns written in the same update.
    closing_field: ClassVar[str | None] = None
    closing_details: ClassVar[tuple[str, ...]] = ()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse(type(self), "save() of an existing row")
        # Always an INSERT: a new instance given the pk of an existing row must not overwrite it.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self), "delete()")

    def _close(self, **values) -> None:
        """Set the closing column (and its details) once, in one guarded UPDATE of this row."""
        model = type(self)
        closing = model.closing_field
        allowed = {closing, *model.closing_details}
        if closing is None or self._state.adding or values.get(closing) is None or set(values) - allowed:
            raise _refuse(model, f"closing with {sorted(values)}")
        updated = (
            model._base_manager.db_manager(self._state.db)
            .filter(pk=self.pk, **{f"{closing}__isnull": True})
            .update(**values)
        )
        if not updated:
            raise _refuse(model, f"closing row {self.pk} again")
        for name, value in values.items():
            setattr(self, name, value)


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class AppendOnlyTrigger(Operation):
    """Migration operation: on PostgreSQL, refuse UPDATE and DELETE of `table`'s rows with a trigger.

    With `closing_field`, the trigger lets through exactly one kind of update: that column from NULL to a
    value, `closing_details` changing with it, every other column unchanged. Does nothing on other databases.
    Refusals raise SQLSTATE 23000 (integrity_constraint_violation), which Django reports as IntegrityError.
    TRUNCATE is left alone: it is how a test database is emptied, and no application code issues it.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str, *, closing_field: str | None = None, closing_details: Sequence[str] = ()):
        names = [table, *([closing_field] if closing_field else []), *closing_details]
        if any(not _IDENTIFIER.match(name) for name in names):
            raise ValueError(f"Not a plain lower-case SQL identifier: {names}")
        if closing_details and not closing_field:
            raise ValueError("closing_details need a closing_field")
        self.table = table
        self.closing_field = closing_field
        self.closing_details = tuple(closing_details)

    @property
    def function_name(self) -> str:
        return f"{self.table}_append_only"

    def create_sql(self) -> str:
        closing = ""
        if self.closing_field:
            column = self.closing_field
            keys = ", ".join(f"'{name}'" for name in (column, *self.closing_details))
            closing = f"""
    IF TG_OP = 'UPDATE' AND OLD."{column}" IS NULL AND NEW."{column}" IS NOT NULL
       AND to_jsonb(NEW) - ARRAY[{keys}] = to_jsonb(OLD) - ARRAY[{keys}] THEN
        RETURN NEW;
    END IF;"""
        return f"""
CREATE OR REPLACE FUNCTION "{self.function_name}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{closing}
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER "{self.function_name}" BEFORE UPDATE OR DELETE ON "{self.table}"
    FOR EACH ROW EXECUTE FUNCTION "{self.function_name}"();
"""

    def drop_sql(self) -> str:
        return (
            f'DROP TRIGGER IF EXISTS "{self.function_name}" ON "{self.table}";\n'
            f'DROP FUNCTION IF EXISTS "{self.function_name}"();\n'
        )

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the % in RAISE are PL/pgSQL's placeholders, not the driver's.
            schema_editor.execute(self.create_sql(), params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.drop_sql(), params=None)

    def describe(self) -> str:
        return f"Refuse UPDATE and DELETE on {self.table} (PostgreSQL trigger)"

    @property
    def migration_name_fragment(self) -> str:
        return f"append_only_{self.table}"
