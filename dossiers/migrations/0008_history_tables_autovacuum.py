"""Autovacuum thresholds of the big dossier tables on PostgreSQL (a no-op elsewhere).

The history tables only grow (INSERT; a handover is closed once): with the default thresholds (20 % of the table)
a table of millions of rows is vacuumed and analysed rarely, its visibility map lags behind, and index-only scans
and fresh statistics with it. Vacuum/analyse them after 1–2 % of new rows instead; the dossier table itself is
updated at every transition, so it is vacuumed after 2 % of dead rows.
"""

from django.db import migrations

TABLES = {
    "dossiers_dossierevent": "autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01",
    "dossiers_dossierhandover": (
        "autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.02, "
        "autovacuum_analyze_scale_factor = 0.01"
    ),
    "dossiers_dossieraccesslog": "autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02",
    "dossiers_dossier": (
        "autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01, fillfactor = 90"
    ),
}


def set_thresholds(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TABLES.items():
        schema_editor.execute(f'ALTER TABLE "{table}" SET ({options})')


def reset_thresholds(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, options in TABLES.items():
        names = ", ".join(part.split("=")[0].strip() for part in options.split(","))
        schema_editor.execute(f'ALTER TABLE "{table}" RESET ({names})')


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0007_dossier_paid_online")]

    operations = [migrations.RunPython(set_thresholds, reset_thresholds, elidable=False)]
