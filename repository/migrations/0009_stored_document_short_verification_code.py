"""A short, grouped verification code with a check character for every stored document; the documents
already printed keep being found by their old `<id>-<token>` code too."""

from django.db import migrations, models

import repository.verification_codes


def fill_codes(apps, schema_editor):
    StoredDocument = apps.get_model("repository", "StoredDocument")
    used = set()
    for document in StoredDocument.objects.filter(verification_code__isnull=True).only("pk").iterator():
        code = repository.verification_codes.new_code()
        while code in used:
            code = repository.verification_codes.new_code()
        used.add(code)
        StoredDocument.objects.filter(pk=document.pk).update(verification_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0008_append_only_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="storeddocument",
            name="verification_code",
            field=models.CharField(
                editable=False, max_length=12, null=True, unique=True, verbose_name="mã xác thực"
            ),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="storeddocument",
            name="verification_code",
            field=models.CharField(
                default=repository.verification_codes.new_code,
                editable=False,
                max_length=12,
                null=True,
                unique=True,
                verbose_name="mã xác thực",
            ),
        ),
    ]
