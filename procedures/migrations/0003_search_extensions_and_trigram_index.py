"""PostgreSQL search machinery: unaccent and pg_trgm, and a GIN trigram index on the folded search text.

Nothing happens on SQLite, where the search folds text in Python (procedures.text.fold).
"""

from django.db import migrations

INDEX = "procedures_procedure_search_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON procedures_procedure USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extensions stay: other objects may use them.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_catalogue_history")]

    operations = [migrations.RunPython(forwards, backwards)]
