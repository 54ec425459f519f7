# Dossier events, handovers and officers' access logs refuse UPDATE and DELETE on PostgreSQL (the ORM guard is
# portal.append_only.AppendOnlyModel). A handover may be closed once: completed_at from NULL to a value, with its
# outcome, every other column unchanged (DossierHandover.close). The archive's read log keeps the table name it
# had in repository.

from django.db import migrations

from portal.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0005_archive_from_repository'),
    ]

    operations = [
        AppendOnlyTrigger('dossiers_dossierevent'),
        AppendOnlyTrigger('dossiers_dossierhandover', closing_field='completed_at', closing_details=['outcome']),
        AppendOnlyTrigger('dossiers_dossieraccesslog'),
        AppendOnlyTrigger('repository_archiveaccesslog'),
    ]
