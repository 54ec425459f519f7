"""Default retention periods of Kho dữ liệu hồ sơ TTHC (the list lives in repository.retention)."""

from django.db import migrations

from repository.retention import DEFAULT_RULES


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("repository", "RetentionRule")
    for scope, code, name, permanent, years, legal_basis in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(
            scope=scope,
            code=code,
            defaults={"name": name, "permanent": permanent, "years": years, "legal_basis": legal_basis},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0002_archive_retention_and_dossier_link"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
