# The catalogue's history refuses UPDATE and DELETE on PostgreSQL (the ORM guard is
# portal.append_only.AppendOnlyModel).

from django.db import migrations

from portal.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0005_draft_edited_event'),
    ]

    operations = [
        AppendOnlyTrigger('procedures_procedureevent'),
    ]
