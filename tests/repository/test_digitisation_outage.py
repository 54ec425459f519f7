"""A digitisation job whose task never reached a worker can be run again (issue 17, finding 4)."""

import datetime as dt

from django.urls import reverse

from portal import outbox
from portal.models import PendingTask
from repository import services
from repository.constants import DIGITISE_TASK, JobStatus

from .conftest import page_png, upload_file


def _job(officer, agency, owner):
    return services.digitisation_job_create(
        actor=officer,
        agency=agency,
        owner=owner,
        files=[upload_file("trang-1.png", page_png("GIẤY KHAI SINH"))],
        document_type_code="GT_KS_CU",
        document_type_name="Giấy khai sinh",
        title="Giấy khai sinh",
    )


def test_a_job_queued_while_the_broker_is_down_is_run_again_and_finishes_when_it_is_back(
    client, intake_officer, agency, citizen, broker_down, django_capture_on_commit_callbacks
):
    # given the broker is unreachable when the officer sends the scans
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(intake_officer, agency, citizen)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert outbox.is_pending(DIGITISE_TASK, job.pk)
    # then the job page offers "Chạy lại", and running it again is accepted (and recorded once more)
    client.force_login(intake_officer)
    page = client.get(reverse("repository:digitisation_job_detail", args=[job.pk])).content.decode()
    assert "Chạy lại" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("repository:digitisation_job_retry", args=[job.pk]), follow=True)
    html = response.content.decode()
    assert "Đã đưa việc số hóa vào hàng đợi lại." in html and "Chỉ chạy lại được" not in html
    assert PendingTask.objects.filter(task=DIGITISE_TASK, dispatched_at=None).count() == 2

    # when the broker is back, the beat task sends both; the job is done once, the second run is skipped
    broker_down()
    last = PendingTask.objects.latest("created_at")
    assert outbox.dispatch_pending(now=last.created_at + dt.timedelta(minutes=1))["sent"] == 2
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert not outbox.is_pending(DIGITISE_TASK, job.pk)


def test_a_queued_job_whose_task_was_sent_may_be_run_again_only_after_a_while(
    settings, intake_officer, agency, citizen
):
    settings.DIGITISATION_REQUEUE_AFTER_MINUTES = 15
    job = _job(intake_officer, agency, citizen)
    # the broker took the task (and, say, lost it in a restart): no outbox row is pending any more
    PendingTask.objects.filter(task=DIGITISE_TASK).update(dispatched_at=job.created_at)
    queued_at = job.events.get(status=JobStatus.QUEUED).at
    assert not job.can_retry(now=queued_at + dt.timedelta(minutes=10))
    assert job.can_retry(now=queued_at + dt.timedelta(minutes=16))
    # a job a worker has taken is not "lost"
    job.status = JobStatus.RUNNING
    assert not job.can_retry(now=queued_at + dt.timedelta(days=1))
