"""Deadline sweep (due soon / overdue, per agency, isolated) and the apology with a new appointment."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dossiers import selectors, services, tasks
from dossiers.constants import DeadlineStatus, DocumentKind, DossierState, EventAction, Outcome
from dossiers.models import Dossier, DossierEvent
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.working_time import load_calendar

from .factories import Province, appraising, result_draft, signing_ready

pytestmark = pytest.mark.date_sensitive

S = DossierState
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
LATE_REASON = "Chờ ý kiến của Sở Nông nghiệp và Môi trường về quy hoạch sử dụng đất của thửa đất."


def sweep(province, now):
    return services.dossier_deadlines_sweep(agency_id=province.department.pk, now=now)


def warnings(dossier):
    return list(
        DossierEvent.objects.filter(dossier=dossier, action=EventAction.DEADLINE_WARNING).values_list(
            "payload__deadline_status", flat=True
        )
    )


def test_the_sweep_marks_due_soon_then_overdue_once_each(province):
    # given a dossier of 12 working days received Monday 2 March (due 18 March 08:00 or so)
    dossier = appraising(province, at=MONDAY)
    calendar = load_calendar()
    due = dossier.due_at

    # with more than 20% of the time left it is on track; nothing is written
    assert sweep(province, due - dt.timedelta(days=7))["due_soon"] == 0
    assert Dossier.objects.get(pk=dossier.pk).deadline_status == DeadlineStatus.ON_TRACK and not warnings(
        dossier
    )

    # with one working day left (less than 20% of 12 days) it is due soon, once
    one_day_before = calendar.add_working_minutes(calendar.counting_start(MONDAY), 11 * calendar.day_minutes)
    assert sweep(province, one_day_before)["due_soon"] == 1
    assert sweep(province, one_day_before)["due_soon"] == 0
    assert Dossier.objects.get(pk=dossier.pk).deadline_status == DeadlineStatus.DUE_SOON

    # after the appointment it is overdue
    assert sweep(province, due + dt.timedelta(hours=1))["overdue"] == 1
    assert Dossier.objects.get(pk=dossier.pk).deadline_status == DeadlineStatus.OVERDUE
    assert warnings(dossier) == [DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE]


@pytest.mark.parametrize("share", [0.1, 0.5])
def test_the_warning_share_is_a_setting(province, settings, share):
    settings.DEADLINE_WARNING_SHARE = share
    dossier = appraising(province, at=MONDAY)
    calendar = load_calendar()
    # three working days left out of twelve: 25%
    moment = calendar.add_working_minutes(calendar.counting_start(MONDAY), 9 * calendar.day_minutes)
    sweep(province, moment)
    expected = DeadlineStatus.DUE_SOON if share > 0.25 else DeadlineStatus.ON_TRACK
    assert Dossier.objects.get(pk=dossier.pk).deadline_status == expected


def test_a_dossier_waiting_for_a_supplement_is_not_marked(province):
    dossier = appraising(province, at=MONDAY)
    services.dossier_request_supplement(
        dossier=dossier, actor=province.specialist, reason="Thiếu bản vẽ mặt cắt công trình.", at=MONDAY
    )
    sweep(province, dossier.due_at + dt.timedelta(days=30))
    assert Dossier.objects.get(pk=dossier.pk).deadline_status == DeadlineStatus.ON_TRACK


def test_one_agency_failing_does_not_stop_the_sweep(province, monkeypatch):
    # given overdue dossiers at two agencies, and the sweep of the first agency broken
    other = Province()
    old = timezone.now() - dt.timedelta(days=60)
    first, second = appraising(province, at=old), appraising(other, at=old)
    original = services.dossier_deadlines_sweep

    def broken_for_first(*, agency_id, now=None):
        if agency_id == province.department.pk:
            raise RuntimeError("database of the first agency unreachable")
        return original(agency_id=agency_id, now=now)

    monkeypatch.setattr(services, "dossier_deadlines_sweep", broken_for_first)

    # when the beat entry runs
    result = tasks.sweep_deadlines.apply().get()

    # then the failure is reported and the other agency is still swept
    assert result["failed"] == [province.department.pk]
    assert Dossier.objects.get(pk=second.pk).deadline_status == DeadlineStatus.OVERDUE
    assert Dossier.objects.get(pk=first.pk).deadline_status == DeadlineStatus.ON_TRACK


def test_the_sweep_is_scheduled_by_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["dossiers-sweep-deadlines"]
    assert entry["task"] == "dossiers.tasks.sweep_deadlines"
    assert entry["schedule"] == settings.DEADLINE_SWEEP_MINUTES * 60


def test_officers_see_the_warning_on_the_dossier_and_in_the_queue(client, province):
    dossier = appraising(province, at=timezone.now() - dt.timedelta(days=60))
    services.dossier_deadlines_sweep(agency_id=province.department.pk)
    client.force_login(province.specialist)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert 'data-testid="deadline-warning"' in page and "quá hạn" in page


# ---- apology -----------------------------------------------------------------------------------------------


def test_overdue_with_apology(province, django_capture_on_commit_callbacks):
    # given a dossier that will be late; its specialist drafts an apology two days before the appointment
    signing_ready(province)
    dossier = appraising(province, at=MONDAY)
    original = dossier.due_at
    new_due = original + dt.timedelta(days=7)
    apology = services.dossier_apology_draft(
        dossier=dossier,
        actor=province.specialist,
        reason=LATE_REASON,
        new_due_at=new_due,
        at=original - dt.timedelta(days=2),
    )
    assert Dossier.objects.get(pk=dossier.pk).due_at == original  # nothing moves before approval

    # when the head approves it before the appointment
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_apology_approve(
            apology=apology, actor=province.approver, at=original - dt.timedelta(days=1)
        )

    # then the appointment moved, the original stays, the applicant sees it and the form is printed
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.due_at == new_due and dossier.original_due_at == original
    event = dossier.events.get(action=EventAction.APOLOGY)
    assert event.public and event.reason == LATE_REASON
    document = dossier.documents.get(kind=DocumentKind.APOLOGY)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.file.read())).pages).split()
    )
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text.upper()
    assert "quy hoạch sử dụng đất" in text and f"{timezone.localtime(new_due):%d/%m/%Y}" in text

    # and finishing after the original date but before the new one still counts late in the index
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=province.specialist, draft=result_draft(), at=original + dt.timedelta(days=1)
    )
    dossier = services.dossier_approve(
        dossier=dossier, actor=province.approver, at=original + dt.timedelta(days=2)
    )
    assert selectors.deadline_outcome(finished_at=dossier.finished_at, due_at=dossier.due_at) != Outcome.LATE
    assert selectors.dossier_outcome(dossier=dossier) == Outcome.LATE


def test_the_applicant_sees_the_apology_in_the_timeline(client, province):
    dossier = appraising(province, at=MONDAY)
    apology = services.dossier_apology_draft(
        dossier=dossier,
        actor=province.specialist,
        reason=LATE_REASON,
        new_due_at=dossier.due_at + dt.timedelta(days=3),
        at=dossier.due_at - dt.timedelta(days=2),
    )
    services.dossier_apology_approve(
        apology=apology, actor=province.approver, at=dossier.due_at - dt.timedelta(days=1)
    )
    client.force_login(province.citizen)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Xin lỗi và hẹn lại ngày trả kết quả" in page and LATE_REASON in page
    assert "Hẹn ban đầu" in page


def test_an_apology_after_the_appointment_is_refused(province):
    dossier = appraising(province, at=MONDAY)
    with pytest.raises(Conflict, match="trước ngày hẹn trả kết quả"):
        services.dossier_apology_draft(
            dossier=dossier,
            actor=province.specialist,
            reason=LATE_REASON,
            new_due_at=dossier.due_at + dt.timedelta(days=5),
            at=dossier.due_at + dt.timedelta(hours=1),
        )
    apology = services.dossier_apology_draft(
        dossier=dossier,
        actor=province.specialist,
        reason=LATE_REASON,
        new_due_at=dossier.due_at + dt.timedelta(days=5),
        at=dossier.due_at - dt.timedelta(hours=4),
    )
    # approved too late: refused as well
    with pytest.raises(Conflict):
        services.dossier_apology_approve(
            apology=apology, actor=province.approver, at=dossier.due_at + dt.timedelta(minutes=1)
        )


def test_the_new_date_must_be_later_and_the_reason_given(province):
    dossier = appraising(province, at=MONDAY)
    before = dossier.due_at - dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as error:
        services.dossier_apology_draft(
            dossier=dossier,
            actor=province.specialist,
            reason=LATE_REASON,
            new_due_at=dossier.due_at,
            at=before,
        )
    assert "new_due_at" in error.value.extra["errors"]
    with pytest.raises(ApplicationError) as error:
        services.dossier_apology_draft(
            dossier=dossier,
            actor=province.specialist,
            reason="chậm",
            new_due_at=dossier.due_at + dt.timedelta(days=1),
            at=before,
        )
    assert "reason" in error.value.extra["errors"]


def test_only_a_leader_approves_and_only_once(province):
    dossier = appraising(province, at=MONDAY)
    at = dossier.due_at - dt.timedelta(days=2)
    apology = services.dossier_apology_draft(
        dossier=dossier,
        actor=province.specialist,
        reason=LATE_REASON,
        new_due_at=dossier.due_at + dt.timedelta(days=2),
        at=at,
    )
    with pytest.raises(NotPermitted):
        services.dossier_apology_approve(apology=apology, actor=province.specialist, at=at)
    services.dossier_apology_approve(apology=apology, actor=province.approver, at=at)
    with pytest.raises(Conflict):
        services.dossier_apology_approve(apology=apology, actor=province.approver, at=at)


def test_a_second_draft_on_the_old_date_becomes_stale(province):
    dossier = appraising(province, at=MONDAY)
    at = dossier.due_at - dt.timedelta(days=2)
    first, second = (
        services.dossier_apology_draft(
            dossier=dossier,
            actor=province.specialist,
            reason=LATE_REASON,
            new_due_at=dossier.due_at + dt.timedelta(days=n),
            at=at,
        )
        for n in (2, 4)
    )
    services.dossier_apology_approve(apology=first, actor=province.approver, at=at)
    with pytest.raises(Conflict, match="lập lại phiếu"):
        services.dossier_apology_approve(apology=second, actor=province.approver, at=at)


def test_the_apology_pages(client, province):
    dossier = appraising(province, at=timezone.now() - dt.timedelta(days=1))
    client.force_login(province.specialist)
    new_day = timezone.localdate(dossier.due_at) + dt.timedelta(days=7)
    response = client.post(
        reverse("dossiers:apology_draft", args=[dossier.pk]),
        {"reason": LATE_REASON, "new_due_at": new_day.isoformat()},
    )
    assert response.status_code == 302
    apology = dossier.apologies.get()
    assert timezone.localtime(apology.new_due_at).date() == new_day
    client.force_login(province.approver)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert reverse("dossiers:apology_approve", args=[dossier.pk, apology.pk]) in page
    client.post(reverse("dossiers:apology_approve", args=[dossier.pk, apology.pk]), {})
    assert Dossier.objects.get(pk=dossier.pk).due_at == apology.new_due_at
