from django.db import migrations

from portal.append_only import AppendOnlyTrigger


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_payments_providers_receipts_refunds")]

    operations = [AppendOnlyTrigger("payments_paymentevent")]
