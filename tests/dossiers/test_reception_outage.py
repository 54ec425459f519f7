"""Reception while the broker is down, and receptions sent twice (issue 17, finding 4).

These tests commit for real (`transaction=True`): the receipt task is dispatched after the commit, inside the
request, exactly as in production — so a broker error there would be the officer's 500.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse

from dossiers import services
from dossiers.constants import DocumentKind, DossierState, EventAction
from dossiers.models import Dossier, DossierCodeCounter, DossierDocument, DossierEvent
from portal import outbox
from portal.constants import Role
from portal.models import PendingTask
from tests.portal.factories import officer_in

from .factories import png_upload, submitted

RECEIPT_TASK = "dossiers.tasks.render_dossier_document"


def url(name, *args):
    return reverse(f"dossiers:{name}", args=args)


def receipts() -> int:
    return DossierDocument.objects.filter(kind=DocumentKind.RECEIPT).count()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_officer_receives_once_and_the_receipt_follows(
    client, province, broker_down
):
    dossier = submitted(province)
    seen = dossier.version
    client.force_login(province.officer)

    # given the broker is unreachable, when the officer receives the dossier from its page
    response = client.post(url("receive", dossier.pk), {"version": seen})

    # then the page answers as usual, the code is issued and the receipt's task is recorded, not lost
    assert response.status_code == 302 and response.url == url("detail", dossier.pk)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.RECEIVED and dossier.code
    task = PendingTask.objects.exclude(task="notifications.deliver").get()
    event = DossierEvent.objects.get(dossier=dossier, action=EventAction.RECEIVE)
    assert (task.task, task.args) == (RECEIPT_TASK, [dossier.pk, DocumentKind.RECEIPT, event.pk])
    assert task.is_pending and task.attempts == 1 and "OperationalError" in task.last_error
    assert receipts() == 0
    page = client.get(response.url).content.decode()
    assert f"Đã tiếp nhận hồ sơ {dossier.code}" in page

    # when the officer, unsure, sends the same form again: the same reception, no second code, no error
    again = client.post(url("receive", dossier.pk), {"version": seen}, follow=True)
    html = again.content.decode()
    assert again.redirect_chain == [(url("detail", dossier.pk), 302)]
    assert f"Đã tiếp nhận hồ sơ {dossier.code}" in html and "vừa được người khác cập nhật" not in html
    assert Dossier.objects.get(pk=dossier.pk).code == dossier.code
    assert DossierCodeCounter.objects.get(agency=province.centre).last_number == 1
    assert DossierEvent.objects.filter(dossier=dossier, action=EventAction.RECEIVE).count() == 1
    assert PendingTask.objects.count() == 1

    # when the broker is back, the beat task sends the receipt's task, which prints it
    broker_down()
    assert outbox.dispatch_pending(now=task.created_at + dt.timedelta(minutes=1))["sent"] == 1
    task.refresh_from_db()
    assert not task.is_pending and receipts() == 1
    assert DossierDocument.objects.get(kind=DocumentKind.RECEIPT).dossier_id == dossier.pk


def test_another_officer_with_a_stale_page_still_gets_the_conflict(client, province):
    dossier = submitted(province)
    seen = dossier.version
    colleague = officer_in(province.centre, Role.INTAKE_OFFICER)
    services.dossier_receive(dossier=dossier, actor=province.officer, expected_version=seen)
    client.force_login(colleague)
    response = client.post(url("receive", dossier.pk), {"version": seen}, follow=True)
    assert "vừa được người khác cập nhật" in response.content.decode()


def test_receiving_again_is_answered_by_the_first_reception(province):
    dossier = submitted(province)
    seen = dossier.version
    first = services.dossier_receive(dossier=dossier, actor=province.officer, expected_version=seen)
    again = services.dossier_receive(dossier=dossier, actor=province.officer, expected_version=seen)
    assert (again.pk, again.code, again.lookup_secret) == (first.pk, first.code, first.lookup_secret)
    assert DossierEvent.objects.filter(dossier=dossier, action=EventAction.RECEIVE).count() == 1


def counter_form(client, province) -> dict:
    """The counter intake page's form as the officer fills it in (the hidden fields come from the page)."""
    page = client.get(url("counter_intake"), {"thu_tuc": province.version.pk}).content.decode()
    submission = re.search(r'name="submission" value="([0-9a-f-]{36})"', page).group(1)
    return {
        "thu_tuc": province.version.pk,
        "desk": province.centre.pk,
        "submission": submission,
        "channel": "1",
        "applicant_kind": "citizen",
        "applicant_name": "Trần Thị Bình",
        "applicant_id_number": "056185005678",
        "applicant_address": "45 Thống Nhất, phường Phan Rang",
        "applicant_phone": "0914234567",
        "applicant_email": "",
        "set_count": "1",
        "delivery_method": "desk",
        "postal_address": "",
        "tk-ho_ten": "Trần Thị Bình",
        "tk-so_cccd": "056185005678",
        "tk-dia_chi": "45 Thống Nhất",
        "tk-cam_ket": "on",
    }


def post_counter(client, province, data):
    scans = {f"component_{c.pk}": png_upload() for c in province.components() if c.mandatory}
    return client.post(url("counter_intake"), {**data, **scans})


@pytest.mark.django_db(transaction=True)
def test_the_same_counter_form_sent_twice_during_an_outage_makes_one_dossier(client, province, broker_down):
    client.force_login(province.officer)
    data = counter_form(client, province)
    first = post_counter(client, province, data)
    dossier = Dossier.objects.get()
    assert first.status_code == 302 and first.url == url("detail", dossier.pk)
    # the receipt's task, and the SMS telling the applicant (no account) that the dossier was received
    assert PendingTask.objects.exclude(task="notifications.deliver").get().is_pending
    assert PendingTask.objects.filter(task="notifications.deliver").count() == 1

    again = post_counter(client, province, data)
    assert again.status_code == 302 and again.url == url("detail", dossier.pk)
    assert Dossier.objects.count() == 1 and dossier.files.count() == len(
        [c for c in province.components() if c.mandatory]
    )
    assert DossierCodeCounter.objects.get(agency=province.centre).last_number == 1
    assert PendingTask.objects.count() == 2

    # a new form (a new page) is a new dossier
    post_counter(client, province, counter_form(client, province))
    assert Dossier.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_counter_form_at_the_same_moment_make_one_dossier(province):
    """PostgreSQL: the officer's row lock makes the second copy wait for the first and find its dossier."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel connections need PostgreSQL (SQLite takes one writer at a time)")
    from .concurrency import in_parallel
    from .factories import applicant_data, form_answers

    def receive(submission):
        dossier = services.dossier_receive_in_person(
            actor=province.officer,
            agency=province.centre,
            version=province.version,
            channel=1,
            applicant=applicant_data(province.citizen),
            form_data=form_answers(province.citizen),
            uploads=[
                services.ComponentUpload(component=c, upload=png_upload())
                for c in province.components()
                if c.mandatory
            ],
            delivery_method="desk",
            submission=submission,
        )
        return dossier.code

    codes = in_parallel(receive, [("1b4e28ba-2fa1-11d2-883f-0016d3cca427",)] * 3)
    assert all(isinstance(code, str) for code in codes), codes
    assert len(set(codes)) == 1 and Dossier.objects.count() == 1
