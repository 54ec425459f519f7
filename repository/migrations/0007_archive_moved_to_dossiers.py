"""The dossier archive (retention rules, retention rows, reads of the archive) moved to the dossiers app.

State only: the tables stay as they are, with their rows and their `repository_*` names; the dossiers app takes
the models over in `dossiers.0005_archive_from_repository`.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0006_archive_message_and_transfer_files"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ArchiveAccessLog"),
                migrations.DeleteModel(name="ArchiveRecord"),
                migrations.DeleteModel(name="RetentionRule"),
            ],
            database_operations=[],
        ),
    ]
