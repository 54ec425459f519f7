"""Feedback and complaints (PAKN): contact required, routing, the 15-working-day deadline on the calendar,
escalation to the agency's leaders when overdue, privacy of the public page, follow-up by code and secret,
spam limited per client."""

import datetime as dt

import pytest
from django.urls import reverse

from dossiers.feedback import selectors, services
from dossiers.feedback.constants import FeedbackAction
from dossiers.models import Feedback, FeedbackEvent
from portal.constants import Role
from portal.errors import ApplicationError
from portal.models import PendingTask
from tests.portal.factories import officer_in

from .conftest import holiday, local

WEDNESDAY = local(2026, 10, 14, 9, 30)


def _file(province, *, at=WEDNESDAY, private=False, **fields):
    data = {
        "category": "procedure",
        "title": "Hướng dẫn chưa rõ",
        "body": "Trang thủ tục không ghi rõ số bản sao.",
        "name": "Lê Văn Phản",
        "phone": "0905123456",
        "private": private,
        "agency": province.department,
        **fields,
    }
    return services.feedback_file(data=services.FeedbackInput(**data), at=at)


def test_the_answer_is_due_15_working_days_later(province):
    feedback = _file(province)
    assert feedback.agency == province.department
    assert feedback.due_at == local(2026, 11, 4, 9, 30)  # three weeks of working days, no holiday in between
    assert [e.action for e in feedback.events.all()] == [FeedbackAction.FILED, FeedbackAction.ROUTED]


def test_holidays_and_the_cut_off_move_the_deadline(province):
    holiday(dt.date(2026, 10, 20))
    assert _file(province).due_at == local(2026, 11, 5, 9, 30)
    # filed after the 16:00 cut-off: counted from the next working morning
    assert _file(province, at=local(2026, 10, 14, 16, 30)).due_at == local(2026, 11, 5, 17, 0)


@pytest.mark.parametrize(
    "contact",
    [{"phone": "", "email": ""}, {"phone": "12345", "email": ""}, {"phone": "", "email": "khong-hop-le"}],
)
def test_a_way_to_answer_is_required(province, contact):
    with pytest.raises(ApplicationError):
        _file(province, **contact)
    assert not Feedback.objects.exists()


def test_feedback_about_a_procedure_goes_to_its_competent_agency(province):
    feedback = _file(province, agency=None, procedure=province.version.procedure)
    assert feedback.agency == province.department


def test_an_overdue_feedback_is_escalated_once_to_the_agency_leader(
    province, clock, django_capture_on_commit_callbacks
):
    leader = officer_in(province.department, Role.AGENCY_LEADER)
    feedback = _file(province)
    assert (
        services.feedback_escalation_sweep(now=feedback.due_at) == 0
    )  # the deadline itself is still in time
    clock.move_to(feedback.due_at + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.feedback_escalation_sweep() == 1
    assert PendingTask.objects.filter(task=services.ESCALATE_TASK, args=[feedback.pk]).exists()
    feedback.refresh_from_db()
    assert feedback.escalated_at is not None
    event = feedback.events.get(action=FeedbackAction.ESCALATED)
    assert event.payload["leaders"] == [leader.pk]
    assert services.feedback_escalate(feedback_id=feedback.pk) is False  # idempotent
    assert services.feedback_escalation_sweep() == 0
    assert FeedbackEvent.objects.filter(action=FeedbackAction.ESCALATED).count() == 1


def test_an_answered_feedback_is_never_escalated(province):
    feedback = _file(province)
    services.feedback_answer(
        feedback=feedback, actor=province.approver, answer="Đã bổ sung hướng dẫn.", at=WEDNESDAY
    )
    assert (
        services.feedback_escalate(feedback_id=feedback.pk, now=feedback.due_at + dt.timedelta(days=30))
        is False
    )


def test_the_answer_is_published_unless_the_person_asked_for_privacy(client, province):
    public = _file(province, title="Công khai")
    private = _file(province, title="Riêng tư", private=True)
    for item in (public, private):
        services.feedback_assign(feedback=item, actor=province.approver, assignee=province.specialist)
        services.feedback_answer(feedback=item, actor=province.specialist, answer=f"Trả lời {item.title}")
    assert list(selectors.feedback_published()) == [public]
    listing = client.get(reverse("feedback:public_list")).content.decode()
    assert "Công khai" in listing and "Riêng tư" not in listing
    assert client.get(reverse("feedback:public_detail", args=[private.pk])).status_code == 404
    assert (
        "Trả lời Công khai"
        in client.get(reverse("feedback:public_detail", args=[public.pk])).content.decode()
    )
    # the person who asked for privacy still reads the answer with the code and secret
    page = client.get(reverse("feedback:follow"), {"ma": private.code, "ma_tra_cuu": private.lookup_secret})
    assert "Trả lời Riêng tư" in page.content.decode()


def test_only_the_agency_handles_its_feedback(client, province):
    feedback = _file(province)
    client.force_login(province.commune_officer)
    assert client.get(reverse("feedback:handle", args=[feedback.pk])).status_code == 404
    client.force_login(province.specialist)
    assert (
        client.post(
            reverse("feedback:handle", args=[feedback.pk]), {"action": "answer", "tra_loi": "x"}
        ).status_code
        == 404
    )
    client.force_login(province.approver)
    client.post(
        reverse("feedback:handle", args=[feedback.pk]), {"action": "answer", "tra_loi": "Đã sửa trang."}
    )
    feedback.refresh_from_db()
    assert feedback.state == "answered" and feedback.answer == "Đã sửa trang."


def test_anyone_files_and_spam_is_limited_per_client(client, province, settings):
    settings.FEEDBACK_FILE_LIMIT = 2
    form = {
        "loai": "website",
        "tieu_de": "Lỗi trang",
        "noi_dung": "Trang tra cứu báo lỗi.",
        "ho_ten": "Lê Văn Phản",
        "email": "phan@example.vn",
    }
    first = client.post(reverse("feedback:file"), form)
    assert first.status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.code in first["Location"] and feedback.user is None
    assert client.post(reverse("feedback:file"), form).status_code == 302
    assert client.post(reverse("feedback:file"), form).status_code == 429
    assert Feedback.objects.count() == 2


def test_a_wrong_secret_finds_nothing(client, province):
    feedback = _file(province)
    page = client.get(reverse("feedback:follow"), {"ma": feedback.code, "ma_tra_cuu": "SAI123"})
    assert "feedback-status" not in page.content.decode() and "not-found" in page.content.decode()


def test_an_attachment_with_active_content_is_refused(province):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(
        "bang-chung.pdf", b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF\n"
    )
    data = services.FeedbackInput(
        category="website", title="Lỗi", body="Lỗi trang.", name="Lê Văn Phản", phone="0905123456"
    )
    with pytest.raises(ApplicationError):
        services.feedback_file(data=data, attachment=bad)
    assert not Feedback.objects.exists()
