"""Catalogue officers' screens: drafts, validation with clear messages, publication, import, export, sync."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procedures.constants import ProcedureEventKind, VersionStatus
from procedures.models import CatalogueSyncRun, Procedure, ProcedureVersion
from procedures.selectors import procedure_version_in_force
from procedures.services import procedure_version_create_draft
from tests.portal.factories import UserFactory

from .factories import published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _bool(data, key, value):
    if value:
        data[key] = "on"


def version_post_data(version: ProcedureVersion) -> dict:
    """What the admin change form posts for a version and its inlines, as stored now."""
    data = {
        "decision_number": version.decision_number,
        "decision_date": version.decision_date.isoformat() if version.decision_date else "",
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else "",
        "name": version.name,
        "competent_agencies": [a.pk for a in version.competent_agencies.all()],
        "coordinating_agencies": [a.pk for a in version.coordinating_agencies.all()],
        "implementation_levels": json.dumps(version.implementation_levels),
        "target_group": version.target_group,
        "service_level": version.service_level,
        "sequence": version.sequence,
        "submission_method": version.submission_method,
        "requirements": version.requirements,
        "legal_basis": version.legal_basis,
        "result_type": version.result_type,
        "result_validity_months": version.result_validity_months or "",
        "form_schema": json.dumps(version.form_schema, ensure_ascii=False),
    }
    for flag in (
        "is_inter_agency",
        "allows_online",
        "allows_online_payment",
        "allows_postal",
        "intake_any_boundary",
    ):
        _bool(data, flag, getattr(version, flag))
    inlines = {
        "processing_times": (version.processing_times.all(), ["channel", "amount", "unit", "description"]),
        "fees": (version.fees.all(), ["channel", "name", "amount", "description", "due_after_appraisal"]),
        "exemptions": (
            version.exemptions.all(),
            ["order", "group", "fee_name", "percent", "legal_basis", "proof"],
        ),
        "components": (
            version.components.all(),
            ["order", "code", "name", "copy_type", "quantity", "mandatory", "template_name"],
        ),
        "steps": (version.steps.all(), ["order", "name", "role", "agency", "department", "share_percent"]),
    }
    for prefix, (rows, fields) in inlines.items():
        rows = list(rows)
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(rows),
                f"{prefix}-INITIAL_FORMS": len(rows),
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-version"] = version.pk
            for name in fields:
                value = getattr(row, name + "_id", None) if name == "agency" else getattr(row, name)
                if isinstance(value, bool):
                    _bool(data, f"{prefix}-{i}-{name}", value)
                else:
                    data[f"{prefix}-{i}-{name}"] = "" if value is None else value
    return data


@pytest.fixture
def draft():
    version = published_version()
    return procedure_version_create_draft(procedure=version.procedure, actor=None)


def test_officer_edits_a_draft(client, officer, draft):
    # given the draft's form as stored, with a shorter time
    data = version_post_data(draft)
    data["processing_times-0-amount"] = "10"
    # when
    response = client.post(reverse("admin:procedures_procedureversion_change", args=[draft.pk]), data)
    # then
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert draft.processing_times.order_by("pk").first().amount == 10
    assert draft.events.filter(kind=ProcedureEventKind.DRAFT_EDITED, actor=officer).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fees-0-amount": "-5000"}, "Mức thu không được âm."),
        ({"components-0-name": "", "components-0-mandatory": "on"}, "Thành phần hồ sơ bắt buộc phải có tên."),
        ({"processing_times-0-amount": "0"}, "Thời hạn giải quyết phải lớn hơn 0."),
        ({"components-0-quantity": "0"}, "Số lượng phải ít nhất là 1."),
        ({"steps-1-share_percent": "30"}, "Tổng tỷ lệ thời gian các bước phải bằng 100% (hiện là 70%)."),
        ({"valid_to": "2000-01-01"}, "Ngày hết hiệu lực phải sau ngày có hiệu lực."),
        (
            {"form_schema": json.dumps({"type": "object", "properties": {"x": {"type": "file"}}})},
            "không được hỗ trợ",
        ),
    ],
)
def test_bad_draft_is_refused_with_a_clear_message(client, officer, draft, change, message):
    # given
    data = {**version_post_data(draft), **change}
    # when
    response = client.post(reverse("admin:procedures_procedureversion_change", args=[draft.pk]), data)
    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert draft.fees.filter(amount__lt=0).count() == 0


def test_publishing_from_the_admin_supersedes_the_version_in_force(client, officer, draft):
    url = reverse("admin:procedures_procedureversion_publish", args=[draft.pk])
    assert (
        "Công bố phiên bản này"
        in client.get(reverse("admin:procedures_procedureversion_change", args=[draft.pk])).content.decode()
    )
    tomorrow = draft.valid_from + dt.timedelta(days=1)
    response = client.post(url, {"valid_from": tomorrow.strftime("%d/%m/%Y")})
    assert response.status_code == 302
    assert procedure_version_in_force(draft.procedure) != draft  # not yet
    assert procedure_version_in_force(draft.procedure, on=tomorrow) == draft
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.valid_from == tomorrow


def test_publication_problems_are_listed(client, officer, draft):
    draft.competent_agencies.clear()
    response = client.post(
        reverse("admin:procedures_procedureversion_publish", args=[draft.pk]),
        {"valid_from": draft.valid_from},
    )
    assert "Chưa chọn cơ quan giải quyết." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_published_version_cannot_be_edited(client, officer):
    version = published_version()
    url = reverse("admin:procedures_procedureversion_change", args=[version.pk])
    assert client.get(url).status_code == 200  # shown read-only
    assert client.post(url, version_post_data(version)).status_code == 403


def test_creating_a_procedure_opens_its_first_draft(client, officer):
    from .factories import FieldFactory

    field = FieldFactory()
    response = client.post(
        reverse("admin:procedures_procedure_add"),
        {
            "code": "1.234567",
            "name": "Thủ tục thử nghiệm",
            "field": field.pk,
            "versions-TOTAL_FORMS": 0,
            "versions-INITIAL_FORMS": 0,
        },
    )
    procedure = Procedure.objects.get(code="1.234567")
    draft = procedure.versions.get()
    assert response.url == reverse("admin:procedures_procedureversion_change", args=[draft.pk])
    assert draft.status == VersionStatus.DRAFT and procedure.search_text == "1.234567 thu tuc thu nghiem"


def test_import_export_and_sync_screens(client, officer, demo_agencies):
    from procedures.adapters import load_demo_catalogue

    records = load_demo_catalogue()
    upload = SimpleUploadedFile(
        "danh-muc.json", json.dumps(records, ensure_ascii=False).encode(), "application/json"
    )
    response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload})
    assert f"{len(records)} thủ tục mới" in response.content.decode()

    exported = client.get(reverse("admin:procedures_procedure_export", args=["xlsx"]))
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    from procedures.excel import records_from_workbook

    assert len(records_from_workbook(io.BytesIO(exported.content))) == len(records)

    response = client.post(reverse("admin:procedures_procedure_sync"), follow=True)
    assert "Đồng bộ xong: 1 thủ tục mới, 2 thay đổi, 1 bãi bỏ, 1 chờ bổ sung." in response.content.decode()
    assert CatalogueSyncRun.objects.get().triggered_by == officer


def test_import_screen_refuses_a_bad_file_with_the_reason(client, officer):
    upload = SimpleUploadedFile("danh-muc.csv", b"MaTTHC;TenTTHC", "text/csv")
    response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload})
    assert "Chỉ nhận tệp .json hoặc .xlsx." in response.content.decode()


EXEMPTION = {
    "exemptions-TOTAL_FORMS": 1,
    "exemptions-INITIAL_FORMS": 0,
    "exemptions-0-order": 1,
    "exemptions-0-group": "Người thuộc hộ nghèo",
    "exemptions-0-fee_name": "Lệ phí cấp giấy phép",
    "exemptions-0-percent": 100,
    "exemptions-0-legal_basis": "Khoản 2 Điều 4 Thông tư 106/2021/TT-BTC",
    "exemptions-0-proof": "Giấy chứng nhận hộ nghèo",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"exemptions-0-fee_name": "Phí không có"}, "Không có khoản phí, lệ phí “Phí không có”"),
        ({"exemptions-0-percent": "0"}, "Mức miễn, giảm phải từ 1 đến 100 (%)."),
        ({"exemptions-0-percent": "150"}, "Mức miễn, giảm phải từ 1 đến 100 (%)."),
        ({"exemptions-0-percent": "năm mươi"}, "Mức miễn, giảm phải là số nguyên từ 1 đến 100."),
        ({"exemptions-0-legal_basis": ""}, "Nhập căn cứ pháp lý của việc miễn, giảm"),
        ({"exemptions-0-group": ""}, "Nhập đối tượng được miễn, giảm."),
    ],
)
def test_bad_exemption_is_refused_with_a_clear_message(client, officer, draft, change, message):
    data = {**version_post_data(draft), **EXEMPTION, **change}
    response = client.post(reverse("admin:procedures_procedureversion_change", args=[draft.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not draft.exemptions.exists()


def test_exemptions_are_edited_published_shown_and_carried_to_the_next_draft(client, officer, draft):
    data = {**version_post_data(draft), **EXEMPTION}
    response = client.post(reverse("admin:procedures_procedureversion_change", args=[draft.pk]), data)
    assert response.status_code == 302
    exemption = draft.exemptions.get()
    assert (exemption.group, exemption.percent, exemption.fee_name) == (
        "Người thuộc hộ nghèo",
        100,
        "Lệ phí cấp giấy phép",
    )
    # a fee renamed under it stops the publication with the reason
    fee = draft.fees.filter(name="Lệ phí cấp giấy phép").first()
    draft.fees.filter(name="Lệ phí cấp giấy phép").update(name="Lệ phí mới")
    response = client.post(
        reverse("admin:procedures_procedureversion_publish", args=[draft.pk]),
        {"valid_from": draft.valid_from},
    )
    assert "không có trong bảng phí, lệ phí" in response.content.decode()
    draft.fees.filter(name="Lệ phí mới").update(name=fee.name)
    tomorrow = draft.valid_from + dt.timedelta(days=1)
    response = client.post(
        reverse("admin:procedures_procedureversion_publish", args=[draft.pk]),
        {"valid_from": tomorrow.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302
    # the next draft copies them
    following = procedure_version_create_draft(procedure=draft.procedure, actor=None, copy_from=draft)
    assert list(following.exemptions.values_list("group", "percent", "legal_basis", "proof")) == [
        ("Người thuộc hộ nghèo", 100, "Khoản 2 Điều 4 Thông tư 106/2021/TT-BTC", "Giấy chứng nhận hộ nghèo")
    ]


def test_the_procedure_page_lists_the_exemptions(client):
    from procedures.models import FeeExemption

    version = published_version()
    FeeExemption.objects.create(
        version=version,
        group="Trẻ em",
        percent=100,
        legal_basis="Điều 4 Thông tư 106/2021/TT-BTC",
        proof="Giấy khai sinh",
    )
    page = client.get(reverse("procedures:detail", args=[version.procedure.code])).content.decode()
    assert 'data-testid="fee-exemptions"' in page
    assert "Trẻ em" in page and "miễn mọi khoản phí, lệ phí" in page and "Giấy khai sinh" in page


def test_the_demo_lists_the_civil_status_exemptions_once(demo_agencies, settings, tmp_path):
    from procedures import demo
    from procedures.models import FeeExemption

    settings.MEDIA_ROOT = tmp_path
    demo.load()
    procedure = Procedure.objects.get(code="1.001022")  # Đăng ký nhận cha, mẹ, con: a lệ phí is charged
    groups = list(procedure.current_version().exemptions.values_list("group", "percent"))
    assert groups == [(group, 100) for group, _proof in demo.CIVIL_STATUS_EXEMPTIONS]
    count = FeeExemption.objects.count()
    assert demo.add_civil_status_exemptions() == 0 and FeeExemption.objects.count() == count
