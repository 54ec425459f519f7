"""Zalo ZNS (token refresh, fallback to SMS), e-mail, and the people's choices."""

from __future__ import annotations

import httpx
import pytest

from notifications import contacts, services, simulators
from notifications.channels import ChannelError
from notifications.channels.zalo import ZaloTokens
from notifications.constants import AttemptOutcome, Channel, Kind, Status
from notifications.models import Notification, SimulatedMessage, SimulatorState, ZaloToken
from notifications.simulators import SimulatorTransport
from portal.errors import ApplicationError
from tests.dossiers.factories import submitted

from .conftest import verify_email, verify_phone

PHONE = "84905123456"


@pytest.fixture
def zalo_citizen(province, deliver_after_commit):
    citizen = province.citizen
    verify_phone(citizen, "0905123456", deliver_after_commit)
    services.preferences_save(user=citizen, choices={Kind.SUBMITTED: ["zalo"]})
    return citizen


def test_zns_sends_the_template_with_the_phone_in_84_format(province, zalo_citizen, deliver_after_commit):
    deliver_after_commit(submitted, province, zalo_citizen)
    zalo = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.ZALO)
    assert zalo.status == Status.SENT and zalo.provider_message_id.startswith("zns-")
    message = SimulatedMessage.objects.get(provider="zalo")
    assert message.phone == PHONE and message.template_id == "100001"
    assert message.data["ten"] == "Nguyễn Văn An" and message.request_id == zalo.request_id


def test_an_expired_access_token_is_refreshed_once_and_the_new_pair_stored(
    province, zalo_citizen, deliver_after_commit
):
    simulators.expire_zalo_access_token()  # the provider now answers -124 to the stored token
    deliver_after_commit(submitted, province, zalo_citizen)
    zalo = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.ZALO)
    assert zalo.status == Status.SENT
    stored = ZaloToken.objects.get(pk=1)
    provider = SimulatorState.objects.get(key="zalo").value
    assert stored.generation == 1
    assert (stored.access_token, stored.refresh_token) == (
        provider["access_token"],
        provider["refresh_token"],
    )
    assert stored.refresh_token != "rt-simulator"  # the single-use one was spent and replaced


def test_a_worker_holding_the_old_token_does_not_spend_the_refresh_token_again(province, zalo_citizen):
    with httpx.Client(transport=SimulatorTransport()) as client:
        tokens = ZaloTokens(
            client=client,
            oauth_url="http://sim/gia-lap/zalo/v4/oa/access_token",
            app_id="simulator",
            secret_key="simulator-secret",
        )
        old = tokens.current()
        first = tokens.refresh(stale=old)
        # a second worker that also saw `old` rejected gets the pair the first one stored
        second = tokens.refresh(stale=old)
    assert first == second and ZaloToken.objects.get(pk=1).generation == 1


def test_a_refused_refresh_token_is_reported_for_the_oa_to_be_authorised_again(province, zalo_citizen):
    ZaloToken.objects.update_or_create(pk=1, defaults={"access_token": "at-old", "refresh_token": "rt-spent"})
    with httpx.Client(transport=SimulatorTransport()) as client:
        tokens = ZaloTokens(
            client=client,
            oauth_url="http://sim/gia-lap/zalo/v4/oa/access_token",
            app_id="simulator",
            secret_key="simulator-secret",
        )
        with pytest.raises(ChannelError) as refused:
            tokens.refresh(stale="at-old")
    assert refused.value.code == "-14014" and refused.value.retry


def test_a_phone_without_zalo_gets_the_message_by_sms(province, zalo_citizen, deliver_after_commit):
    simulators.set_zalo_missing(PHONE)
    deliver_after_commit(submitted, province, zalo_citizen)
    zalo = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.ZALO)
    assert zalo.status == Status.FAILED and zalo.error_code == "-118"
    assert zalo.delivery_events.get().outcome == AttemptOutcome.FALLBACK
    sms = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.SMS)
    assert sms.fallback_of == zalo and sms.status == Status.SENT and sms.address == "0905123456"
    assert SimulatedMessage.objects.filter(provider="esms", request_id=sms.request_id).exists()


def test_without_choices_only_the_inbox_is_written(province):
    submitted(province)
    assert list(Notification.objects.filter(kind=Kind.SUBMITTED).values_list("channel", flat=True)) == [
        "inbox"
    ]


def test_choices_are_respected_per_kind(province, deliver_after_commit, mailoutbox):
    citizen = province.citizen
    verify_email(citizen, "An@Example.vn", deliver_after_commit, mailoutbox)
    services.preferences_save(user=citizen, choices={Kind.RECEIVED: ["email"], Kind.SUBMITTED: []})
    mailoutbox.clear()
    from dossiers import services as dossier_services

    dossier = deliver_after_commit(submitted, province, citizen)
    assert set(Notification.objects.filter(kind=Kind.SUBMITTED).values_list("channel", flat=True)) == {
        "inbox"
    }
    deliver_after_commit(dossier_services.dossier_receive, dossier=dossier, actor=province.officer)
    email = Notification.objects.get(kind=Kind.RECEIVED, channel=Channel.EMAIL)
    assert email.status == Status.SENT and email.address == "an@example.vn"
    [mail] = mailoutbox
    dossier.refresh_from_db()
    assert mail.to == ["an@example.vn"] and dossier.code in mail.subject
    assert "Kính gửi Nguyễn Văn An" in mail.body and f"/ho-so/{dossier.pk}/" in mail.body
    html, mime = mail.alternatives[0]
    assert mime == "text/html" and "Xem hồ sơ trên Cổng dịch vụ công" in html


def test_a_person_who_chose_english_gets_english(province, deliver_after_commit, mailoutbox):
    citizen = province.citizen
    verify_email(citizen, "an@example.vn", deliver_after_commit, mailoutbox)
    services.preferences_save(user=citizen, choices={Kind.SUBMITTED: ["email"]}, language="en")
    deliver_after_commit(submitted, province, citizen)
    inbox = Notification.objects.get(kind=Kind.SUBMITTED, channel=Channel.INBOX)
    assert inbox.language == "en" and inbox.body.startswith("Dear Nguyễn Văn An")
    assert mailoutbox[-1].subject.startswith("Application submitted")


def test_an_unverified_channel_cannot_be_chosen(province):
    with pytest.raises(ApplicationError, match="xác minh số điện thoại"):
        services.preferences_save(user=province.citizen, choices={Kind.RECEIVED: ["sms"]})


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [("phone", "12345", "Số điện thoại di động không hợp lệ"), ("email", "an@", "thư điện tử không hợp lệ")],
)
def test_an_invalid_phone_or_email_is_refused_when_entered(province, kind, value, message):
    with pytest.raises(ApplicationError) as refused:
        contacts.contact_verification_start(user=province.citizen, kind=kind, value=value)
    assert message in refused.value.extra["errors"]["value"]
    assert not Notification.objects.exists()


def test_a_wrong_code_does_not_verify(province, deliver_after_commit):
    deliver_after_commit(
        contacts.contact_verification_start, user=province.citizen, kind="phone", value="0905123456"
    )
    with pytest.raises(ApplicationError, match="không đúng"):
        contacts.contact_verify(user=province.citizen, kind="phone", code="000000")
    assert services.subscriber_for(province.citizen).verified_address("sms") == ""


def test_an_applicants_own_message_tells_nobody_and_an_officers_does(province, deliver_after_commit):
    from dossiers import services as dossier_services

    dossier = dossier_services.dossier_receive(dossier=submitted(province), actor=province.officer)
    dossier_services.dossier_message_post(dossier=dossier, actor=province.citizen, body="Xin hỏi tiến độ.")
    assert not Notification.objects.filter(kind=Kind.OFFICER_MESSAGE).exists()
    dossier_services.dossier_message_post(
        dossier=dossier, actor=province.officer, body="Hồ sơ đang thẩm định."
    )
    inbox = Notification.objects.get(kind=Kind.OFFICER_MESSAGE)
    assert "Hồ sơ đang thẩm định." in inbox.body and inbox.recipient == province.citizen
