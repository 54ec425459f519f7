"""Templates checked when saved and previewed on a sample dossier; the inbox, the header's unread count, the
dossier page's delivery status and the administrators' failures view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers import services as dossier_services
from notifications import rendering, services, simulators
from notifications.constants import Channel, Kind, Status
from notifications.models import MessageTemplate, Notification, SimulatedMessage
from portal.constants import Role
from tests.dossiers.factories import submitted
from tests.portal.factories import UserFactory


@pytest.fixture
def administrator(db):
    return UserFactory(account_type="officer", province_role=Role.ADMINISTRATOR, full_name="Quản Trị")


def edit_url(kind="received", channel="sms", language="vi"):
    return reverse("notifications:template_edit", args=[kind, channel, language])


@pytest.mark.parametrize(
    ("channel", "data", "field", "message"),
    [
        ("sms", {"body": "Ho so {{ ma_ho_so }}"}, "body", "biến không có: ma_ho_so"),
        ("sms", {"body": "{{ procedure }} " * 12}, "body", "quá giới hạn 306 ký tự"),
        ("sms", {"body": "Ho so {% if code %}"}, "body", "sai cú pháp"),
        ("zalo", {"body": "ten={{ name }}", "zns_template_id": ""}, "zns_template_id", "mã mẫu ZNS"),
        (
            "zalo",
            {"body": "thu_tuc={{ procedure }}{{ procedure }}{{ procedure }}", "zns_template_id": "1"},
            "body",
            "quá giới hạn 100",
        ),
        ("email", {"subject": "", "body": "Kính gửi {{ name }}"}, "subject", "Nhập tiêu đề"),
    ],
)
def test_a_template_that_breaks_a_rule_is_refused(client, administrator, channel, data, field, message):
    client.force_login(administrator)
    response = client.post(edit_url(channel=channel), {"action": "save", **data})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not MessageTemplate.objects.exists()


def test_a_template_is_previewed_on_a_sample_dossier_then_saved_and_used(client, administrator, province):
    dossier = dossier_services.dossier_receive(dossier=submitted(province), actor=province.officer)
    client.force_login(administrator)
    body = "DVC Khanh Hoa: ho so {{ code }} da tiep nhan, hen {{ due_date }}."
    preview = client.post(edit_url(), {"action": "preview", "body": body})
    assert dossier.code in preview.context["preview"].body  # the newest real dossier is the sample
    assert not MessageTemplate.objects.exists()
    saved = client.post(edit_url(), {"action": "save", "body": body})
    assert saved.status_code == 302
    assert rendering.source_for(Kind.RECEIVED, Channel.SMS, "vi").body == body


def test_only_administrators_edit_templates(client, province):
    client.force_login(province.officer)
    assert client.get(edit_url()).status_code == 403
    assert client.get(reverse("notifications:failures")).status_code == 403


def test_the_inbox_counts_unread_in_the_header_and_opens_the_dossier(client, province):
    dossier = dossier_services.dossier_receive(dossier=submitted(province), actor=province.officer)
    client.force_login(province.citizen)
    page = client.get(reverse("notifications:inbox"))
    assert page.context["inbox_unread"] == 2
    assert f"Hồ sơ {dossier.code} đã được tiếp nhận" in page.content.decode()
    received = Notification.objects.get(kind=Kind.RECEIVED)
    opened = client.post(reverse("notifications:open", args=[received.pk]))
    assert opened["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    received.refresh_from_db()
    assert received.read_at is not None
    assert client.get(reverse("notifications:inbox")).context["inbox_unread"] == 1
    client.post(reverse("notifications:inbox"))
    assert client.get(reverse("home")).context["inbox_unread"] == 0


def test_nobody_opens_another_persons_notification(client, province):
    submitted(province)
    client.force_login(province.officer)
    row = Notification.objects.get(kind=Kind.SUBMITTED)
    assert client.post(reverse("notifications:open", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_the_dossier_page_shows_delivery_status_and_the_administrator_retries_a_failure(
    client, province, sms_citizen, deliver_after_commit, administrator
):
    simulators.fail_next("esms", "108")
    dossier = deliver_after_commit(submitted, province, sms_citizen)
    client.force_login(sms_citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Gửi không thành công" in page and "108" in page and "Số điện thoại không hợp lệ" in page
    client.force_login(administrator)
    failures = client.get(reverse("notifications:failures"))
    [row] = failures.context["page"].object_list
    with_capture = deliver_after_commit(client.post, reverse("notifications:retry", args=[row.pk]))
    assert with_capture.status_code == 302
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert SimulatedMessage.objects.filter(request_id=row.request_id).count() == 1


def test_the_preferences_page_verifies_a_phone_then_saves_choices(client, province, deliver_after_commit):
    citizen = province.citizen
    client.force_login(citizen)
    refused = client.post(reverse("notifications:contact_start"), {"kind": "phone", "value": "0123"})
    assert "không hợp lệ" in refused.content.decode()
    deliver_after_commit(
        client.post, reverse("notifications:contact_start"), {"kind": "phone", "value": "0905 123 456"}
    )
    from .conftest import last_code

    client.post(reverse("notifications:contact_verify"), {"kind": "phone", "code": last_code("84905123456")})
    response = client.post(
        reverse("notifications:preferences"),
        {"language": "vi", "received__sms": "on", "received__zalo": "on"},
    )
    assert response.status_code == 302
    assert services.chosen_channels(user=citizen, kind=Kind.RECEIVED) == ["inbox", "sms", "zalo"]
    unverified = client.post(
        reverse("notifications:preferences"), {"language": "vi", "received__email": "on"}
    )
    assert "xác minh thư điện tử" in unverified.content.decode()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_built_in_template_passes_the_checks_made_when_saving(db, language):
    from notifications import rendering
    from notifications.constants import Channel, Kind

    for kind in Kind.values:
        for channel in Channel.values:
            source = rendering.builtin(kind, channel, language)
            errors = rendering.check(
                kind=kind,
                channel=channel,
                subject=source.subject,
                body=source.body,
                zns_template_id=source.zns_template_id,
            )
            assert errors == {}, (kind, channel, language, errors)
