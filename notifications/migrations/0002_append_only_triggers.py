from django.db import migrations

from portal.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox_preferences_templates")]

    operations = [AppendOnlyTrigger("notifications_deliveryevent")]
