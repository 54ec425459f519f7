"""Default retention periods of Kho dữ liệu hồ sơ TTHC.

The list is frozen here as it was when this migration was written (the living copy is
`dossiers.archive.retention.DEFAULT_RULES`, which the archive moved to): a migration must not change with
later code, nor import an app above this one.
"""

from django.db import migrations

REVIEW = " Giá trị khởi tạo; bộ phận lưu trữ rà soát theo bảng thời hạn bảo quản đang áp dụng."

DEFAULT_RULES = [
    (
        "default",
        "",
        "Hồ sơ giải quyết thủ tục hành chính khác",
        False,
        10,
        "Luật Lưu trữ số 33/2024/QH15; thời hạn tính từ năm công việc kết thúc." + REVIEW,
    ),
    (
        "field",
        "DD",
        "Hồ sơ lĩnh vực đất đai",
        True,
        None,
        "Hồ sơ địa chính và hồ sơ đăng ký, cấp giấy chứng nhận quyền sử dụng đất được bảo quản vĩnh viễn."
        + REVIEW,
    ),
    (
        "field",
        "XD",
        "Hồ sơ lĩnh vực hoạt động xây dựng",
        True,
        None,
        "Hồ sơ cấp giấy phép xây dựng được bảo quản vĩnh viễn." + REVIEW,
    ),
    (
        "field",
        "HT",
        "Hồ sơ đăng ký hộ tịch",
        True,
        None,
        "Luật Hộ tịch 2014: sổ hộ tịch và hồ sơ đăng ký hộ tịch được lưu trữ vĩnh viễn." + REVIEW,
    ),
    (
        "result_type",
        "GCN_QSDD",
        "Hồ sơ có kết quả là giấy chứng nhận quyền sử dụng đất",
        True,
        None,
        "Kết quả về quyền sử dụng đất được bảo quản vĩnh viễn." + REVIEW,
    ),
    (
        "result_type",
        "GPXD",
        "Hồ sơ có kết quả là giấy phép xây dựng",
        True,
        None,
        "Giấy phép xây dựng được bảo quản vĩnh viễn." + REVIEW,
    ),
]


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
