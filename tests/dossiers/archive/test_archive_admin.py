"""The retention rules are data the administrator edits in the admin, with clear messages; archive rows and
reads are read-only there."""

import pytest
from django.urls import reverse

from dossiers.archive.constants import RetentionScope
from dossiers.models import RetentionRule


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "quantri-kho", "qt@example.vn", "Demo@2026", full_name="QT"
    )
    client.force_login(admin)
    return client


def _add(admin_client, **data):
    values = {"scope": RetentionScope.FIELD, "code": "CT", "name": "Hồ sơ chứng thực", "active": "on"}
    values.update(data)
    return admin_client.post(reverse("admin:dossiers_retentionrule_add"), values)


def test_the_administrator_adds_a_rule(admin_client):
    response = _add(admin_client, years="5")

    assert response.status_code == 302
    assert RetentionRule.objects.get(scope=RetentionScope.FIELD, code="CT").years == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"years": "5", "permanent": "on"},
            "Chọn “bảo quản vĩnh viễn” hoặc nhập số năm bảo quản (từ 1), không cả hai.",
        ),
        ({}, "Chọn “bảo quản vĩnh viễn” hoặc nhập số năm bảo quản (từ 1), không cả hai."),
        ({"scope": RetentionScope.DEFAULT, "years": "3"}, "Quy tắc mặc định không có mã"),
    ],
)
def test_a_wrong_rule_is_explained(admin_client, data, message):
    response = _add(admin_client, **data)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_rules_are_switched_off_rather_than_deleted(admin_client):
    rule = RetentionRule.objects.get(scope=RetentionScope.DEFAULT)

    response = admin_client.get(reverse("admin:dossiers_retentionrule_delete", args=[rule.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("model", ["archiverecord", "archiveaccesslog", "retentionrule"])
def test_the_archive_lists_open_in_the_admin(admin_client, model):
    assert admin_client.get(reverse(f"admin:dossiers_{model}_changelist")).status_code == 200
