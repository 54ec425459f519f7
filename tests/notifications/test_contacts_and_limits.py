"""People without an account are told by SMS / e-mail at the contact they gave (counter and postal dossiers,
feedback, appointments), and verification codes are rate-limited per client and per account."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from dossiers import services as dossier_services
from dossiers.appointments import services as appointments
from dossiers.constants import DeliveryMethod
from dossiers.feedback import services as feedback_services
from dossiers.models import AppointmentSlot, DossierEvent
from notifications import services
from notifications.constants import Channel, Kind, Status
from notifications.models import ContactVerification, Notification, SimulatedMessage
from portal.constants import Role
from procedures.models import Field
from tests.dossiers.factories import applicant_data, form_answers, png_upload
from tests.portal.factories import officer_in


def test_a_walk_in_applicant_gets_the_received_sms_and_e_mail_without_an_account(
    province, deliver_after_commit, mailoutbox
):
    citizen = province.citizen
    walk_in = applicant_data(
        citizen, name="Trần Thị Bưu", id_number="079190000123", phone="0905777888", email="buu@example.vn"
    )

    def receive():
        return dossier_services.dossier_receive_in_person(
            actor=province.officer,
            agency=province.centre,
            version=province.version,
            channel=1,
            applicant=walk_in,
            form_data=form_answers(citizen, ho_ten=walk_in.name, so_cccd=walk_in.id_number),
            uploads=[
                dossier_services.ComponentUpload(component=c, upload=png_upload())
                for c in province.components()
                if c.mandatory
            ],
            delivery_method=DeliveryMethod.DESK,
        )

    dossier = deliver_after_commit(receive)
    assert dossier.applicant_id is None and dossier.applicant_phone
    event = DossierEvent.objects.get(dossier=dossier, action__in=["receive_at_counter", "receive"])
    rows = list(Notification.objects.filter(kind=Kind.RECEIVED, dossier_id=dossier.pk).order_by("channel"))
    channels = [row.channel for row in rows]
    assert Channel.SMS in channels and Channel.INBOX not in channels
    sms = next(row for row in rows if row.channel == Channel.SMS)
    assert sms.recipient is None and sms.address == dossier.applicant_phone
    assert sms.contact_name == dossier.applicant_name and sms.language == "vi"
    assert sms.idempotency_key == (
        f"dossier-event:{event.pk}:{services.contact_key(dossier.applicant_phone)}:sms"
    )
    assert sms.status == Status.SENT and dossier.code in sms.body
    phone_84 = "84" + dossier.applicant_phone[1:]
    assert SimulatedMessage.objects.filter(
        provider="esms", phone=phone_84, request_id=sms.request_id
    ).exists()
    email = next(row for row in rows if row.channel == Channel.EMAIL)
    assert email.status == Status.SENT and mailoutbox[-1].to == ["buu@example.vn"]
    assert dossier.code in email.subject and email.body.startswith("Kính gửi Trần Thị Bưu")


def test_the_same_event_never_writes_a_second_row_for_a_contact(province):
    contact = services.Contact(name="Trần Thị Bưu", phone="0905777888", email="buu@example.vn")
    first = services.notify_contacts(
        kind=Kind.RESULT_READY, event_key="dossier-event:42", contacts=[contact], context={"code": "X-1"}
    )
    again = services.notify_contacts(
        kind=Kind.RESULT_READY, event_key="dossier-event:42", contacts=[contact], context={"code": "X-1"}
    )
    assert sorted(row.channel for row in first) == [Channel.EMAIL, Channel.SMS] and again == []
    # an invalid phone kept on an old record is skipped, not sent
    bad = services.notify_contacts(
        kind=Kind.RESULT_READY,
        event_key="dossier-event:43",
        contacts=[services.Contact(name="X", phone="12345")],
        context={},
    )
    assert bad == []


def _feedback(province, **fields):
    data = {
        "category": "procedure",
        "title": "Hướng dẫn chưa rõ",
        "body": "Trang thủ tục không ghi rõ số bản sao.",
        "name": "Lê Văn Phản",
        "phone": "0905123456",
        "email": "phan@example.vn",
        "agency": province.department,
        **fields,
    }
    return feedback_services.feedback_file(data=feedback_services.FeedbackInput(**data))


def test_feedback_notices_go_to_the_contact_the_officer_and_the_leaders(
    province, deliver_after_commit, clock
):
    leader = officer_in(province.department, Role.AGENCY_LEADER)
    feedback = deliver_after_commit(_feedback, province)
    received = Notification.objects.filter(kind=Kind.FEEDBACK_RECEIVED)
    assert sorted(received.values_list("channel", flat=True)) == [Channel.EMAIL, Channel.SMS]
    sms = received.get(channel=Channel.SMS)
    assert feedback.code in sms.body and feedback.lookup_secret in sms.body and sms.status == Status.SENT

    deliver_after_commit(
        feedback_services.feedback_assign,
        feedback=feedback,
        actor=province.approver,
        assignee=province.specialist,
    )
    assigned = Notification.objects.get(kind=Kind.FEEDBACK_ASSIGNED, channel=Channel.INBOX)
    assert assigned.recipient == province.specialist
    assert assigned.link == reverse("feedback:handle", args=[feedback.pk])

    clock.move_to(feedback.due_at + dt.timedelta(hours=1))
    deliver_after_commit(feedback_services.feedback_escalate, feedback_id=feedback.pk)
    escalated = Notification.objects.get(kind=Kind.FEEDBACK_ESCALATED)
    assert escalated.recipient == leader and feedback.code in escalated.subject

    feedback.refresh_from_db()
    deliver_after_commit(
        feedback_services.feedback_answer, feedback=feedback, actor=province.specialist, answer="Đã bổ sung."
    )
    answered = Notification.objects.get(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.EMAIL)
    assert "Đã bổ sung." in answered.body and answered.address == "phan@example.vn"


def test_feedback_from_a_signed_in_person_goes_to_their_account(province):
    feedback = feedback_services.feedback_file(
        data=feedback_services.FeedbackInput(
            category="website", title="Lỗi", body="Lỗi trang.", name="An", phone="0905123456"
        ),
        user=province.citizen,
    )
    row = Notification.objects.get(kind=Kind.FEEDBACK_RECEIVED)
    assert row.recipient == province.citizen and row.channel == Channel.INBOX and feedback.code in row.subject


def test_appointment_notices_go_by_sms_to_the_phone_given(province, deliver_after_commit, clock):
    field = Field.objects.first() or Field.objects.create(code="XD", name="Xây dựng")
    appointments.appointment_slots_build(
        agency=province.centre, field=field, start=dt.date(2026, 10, 15), days=3
    )
    slot = AppointmentSlot.objects.filter(agency=province.centre, field=field).first()
    booking = deliver_after_commit(appointments.appointment_book, slot=slot, name="An", phone="0905111111")
    confirmed = Notification.objects.get(kind=Kind.APPOINTMENT_CONFIRMED)
    assert (
        confirmed.channel == Channel.SMS
        and confirmed.address == "0905111111"
        and booking.code in confirmed.body
    )
    assert confirmed.status == Status.SENT and f"ma={booking.code}" in confirmed.link

    other = appointments.appointment_book(slot=slot, name="Bình", phone="0905222222")
    appointments.appointment_cancel(appointment=other)
    cancelled = Notification.objects.get(kind=Kind.APPOINTMENT_CANCELLED)
    assert cancelled.address == "0905222222" and other.code in cancelled.body

    clock.move_to(slot.starts_at)
    ticket = appointments.ticket_issue(
        agency=province.centre, appointment_code=booking.code, at=slot.starts_at
    )
    appointments.ticket_call_next(
        agency=province.centre, actor=province.officer, counter="3", at=slot.starts_at
    )
    called = Notification.objects.get(kind=Kind.TICKET_CALLED)
    ticket.refresh_from_db()
    assert ticket.label.lower() in called.body.lower() and "3" in called.body


def test_verification_codes_are_limited_per_account_and_per_client(
    client, province, settings, rate_limit_clock
):
    settings.NOTIFY_CODE_SEND_LIMIT = 2
    citizen = province.citizen
    client.force_login(citizen)
    url = reverse("notifications:contact_start")
    for phone in ("0905123456", "0905123457"):
        assert client.post(url, {"kind": "phone", "value": phone}).status_code == 302
    refused = client.post(url, {"kind": "phone", "value": "0905123458"})
    assert refused.status_code == 200 and "quá nhiều lần" in refused.content.decode()
    assert ContactVerification.objects.filter(user=citizen).count() == 2

    # another account from the same client is refused too (per client); from another client it is the
    # account's own limit that holds
    other = officer_in(province.department, Role.SPECIALIST)
    client.force_login(other)
    assert "quá nhiều lần" in client.post(url, {"kind": "phone", "value": "0905000001"}).content.decode()
    client.force_login(citizen)
    away = client.post(url, {"kind": "phone", "value": "0905000002"}, REMOTE_ADDR="10.9.9.9")
    assert "quá nhiều lần" in away.content.decode()
    assert ContactVerification.objects.count() == 2


def test_wrong_codes_are_limited(
    client, province, settings, rate_limit_clock, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CODE_VERIFY_LIMIT = 2
    client.force_login(province.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:contact_start"), {"kind": "phone", "value": "0905123456"})
    verify = reverse("notifications:contact_verify")
    for _attempt in range(2):
        assert "không đúng" in client.post(verify, {"kind": "phone", "code": "000000"}).content.decode()
    code = SimulatedMessage.objects.get(provider="esms").content
    right = next(part for part in code.split() if part.isdigit() and len(part) == 6)
    refused = client.post(verify, {"kind": "phone", "code": right})
    assert "quá nhiều lần" in refused.content.decode()
    assert ContactVerification.objects.get().verified_at is None
