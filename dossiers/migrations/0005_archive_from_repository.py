"""The dossier archive moves here from the repository app (see `repository.0007_archive_moved_to_dossiers`).

State only: the tables keep their `repository_*` names (set in the models' Meta) and their rows. The content
types follow the models, so that permissions already granted on them stay granted.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELS = ("retentionrule", "archiverecord", "archiveaccesslog")


def _move_content_types(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_types(apps, "repository", "dossiers")


def backwards(apps, schema_editor):
    _move_content_types(apps, "dossiers", "repository")


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0004_officer_access_log'),
        ('repository', '0007_archive_moved_to_dossiers'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ArchiveAccessLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('item_kind', models.CharField(choices=[('dossier_file', 'Thành phần hồ sơ'), ('printed_form', 'Phiếu và văn bản do cơ quan lập cho hồ sơ'), ('message_file', 'Tệp đính kèm trao đổi với người nộp'), ('transfer_file', 'Kết quả phối hợp liên thông'), ('result', 'Kết quả giải quyết'), ('kho_document', 'Giấy tờ trong Kho dữ liệu của người nộp'), ('package', 'Gói lưu trữ hồ sơ (.zip)')], max_length=16, verbose_name='loại')),
                        ('item_id', models.BigIntegerField(blank=True, null=True, verbose_name='mã tệp')),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('accessed_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('accessed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='archive_reads', to=settings.AUTH_USER_MODEL)),
                        ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='archive_reads', to='dossiers.dossier')),
                    ],
                    options={
                        'verbose_name': 'nhật ký khai thác hồ sơ lưu trữ',
                        'verbose_name_plural': 'nhật ký khai thác hồ sơ lưu trữ',
                        'db_table': 'repository_archiveaccesslog',
                        'ordering': ['-accessed_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='RetentionRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(choices=[('default', 'Mọi hồ sơ (mặc định)'), ('field', 'Hồ sơ thuộc lĩnh vực'), ('result_type', 'Hồ sơ có kết quả thuộc loại')], max_length=16, verbose_name='áp dụng cho')),
                        ('code', models.CharField(blank=True, help_text='Mã lĩnh vực (ví dụ DD, XD) hoặc mã loại kết quả (ví dụ GPXD); để trống với quy tắc mặc định.', max_length=60, verbose_name='mã')),
                        ('name', models.CharField(max_length=300, verbose_name='tên nhóm hồ sơ')),
                        ('permanent', models.BooleanField(default=False, verbose_name='bảo quản vĩnh viễn')),
                        ('years', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='số năm bảo quản')),
                        ('legal_basis', models.TextField(blank=True, verbose_name='căn cứ')),
                        ('active', models.BooleanField(default=True, verbose_name='đang áp dụng')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='cập nhật lúc')),
                    ],
                    options={
                        'verbose_name': 'thời hạn bảo quản hồ sơ',
                        'verbose_name_plural': 'thời hạn bảo quản hồ sơ',
                        'db_table': 'repository_retentionrule',
                        'ordering': ['scope', 'code'],
                        'constraints': [models.UniqueConstraint(fields=('scope', 'code'), name='uniq_retention_scope_code', violation_error_message='Đã có quy tắc cho mã này.'), models.CheckConstraint(condition=models.Q(models.Q(('permanent', True), ('years__isnull', True)), models.Q(('permanent', False), ('years__isnull', False), ('years__gte', 1)), _connector='OR'), name='retention_permanent_or_years', violation_error_message='Chọn “bảo quản vĩnh viễn” hoặc nhập số năm bảo quản (từ 1), không cả hai.'), models.CheckConstraint(condition=models.Q(models.Q(('scope', 'default'), ('code', '')), models.Q(models.Q(('scope', 'default'), _negated=True), models.Q(('code', ''), _negated=True)), _connector='OR'), name='retention_code_matches_scope', violation_error_message='Quy tắc mặc định không có mã; quy tắc theo lĩnh vực hoặc loại kết quả cần mã.')],
                    },
                ),
                migrations.CreateModel(
                    name='ArchiveRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('finished_on', models.DateField(verbose_name='ngày kết thúc')),
                        ('permanent', models.BooleanField(verbose_name='bảo quản vĩnh viễn')),
                        ('retention_years', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='số năm bảo quản')),
                        ('retain_until', models.DateField(blank=True, db_index=True, null=True, verbose_name='bảo quản đến hết ngày')),
                        ('basis', models.CharField(max_length=500, verbose_name='nhóm hồ sơ')),
                        ('legal_basis', models.TextField(blank=True, verbose_name='căn cứ')),
                        ('computed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='tính lúc')),
                        ('dossier', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='archive_record', to='dossiers.dossier', verbose_name='hồ sơ')),
                    ],
                    options={
                        'verbose_name': 'thời hạn bảo quản của hồ sơ',
                        'verbose_name_plural': 'thời hạn bảo quản của hồ sơ',
                        'db_table': 'repository_archiverecord',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('permanent', True), ('retain_until__isnull', True)), models.Q(('permanent', False), ('retain_until__isnull', False)), _connector='OR'), name='archive_record_until_unless_permanent')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
