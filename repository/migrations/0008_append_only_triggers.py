# The Kho dữ liệu's histories refuse UPDATE and DELETE (PostgreSQL trigger; the ORM guard is
# portal.append_only.AppendOnlyModel). Their foreign keys to the parent row become PROTECT so that no cascade
# removes history either.

import django.db.models.deletion
from django.db import migrations, models

from portal.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):

    dependencies = [
        ('repository', '0007_archive_moved_to_dossiers'),
    ]

    operations = [
        migrations.AlterField(
            model_name='digitisationevent',
            name='job',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='repository.digitisationjob'),
        ),
        migrations.AlterField(
            model_name='documentevent',
            name='document',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='repository.storeddocument'),
        ),
        AppendOnlyTrigger('repository_documentevent'),
        AppendOnlyTrigger('repository_documentaccesslog'),
        AppendOnlyTrigger('repository_digitisationevent'),
    ]
