"""The work queue of specialists, department heads and leaders: tabs, counts, search, bulk assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.constants import DossierState
from dossiers.models import Dossier
from dossiers.queues import WorkTab
from portal.constants import AgencyLevel, Role
from tests.portal.factories import AgencyFactory, officer_in

from .factories import appraising, awaiting_approval, forwarded

pytestmark = pytest.mark.date_sensitive

S = DossierState
QUEUE = reverse("dossiers:work_queue")


def tab_codes(response, tab):
    """Codes listed in the queue table of a response."""
    page = response.content.decode()
    table = page.split('data-testid="work-queue"', 1)[1].split("</table>", 1)[0]
    return {d.code for d in Dossier.objects.exclude(code=None) if d.code in table}


def test_the_specialist_sees_their_own_dossiers_with_counts(client, province):
    mine = appraising(province)
    colleague = officer_in(province.department, Role.SPECIALIST)
    theirs = services.dossier_assign(
        dossier=forwarded(province), actor=province.approver, specialist=colleague
    )
    client.force_login(province.specialist)
    response = client.get(QUEUE)
    assert tab_codes(response, WorkTab.MINE) == {mine.code}
    page = response.content.decode()
    assert 'data-tab="cua-toi"' in page and 'data-tab="cho-phan-cong"' not in page  # not a head
    response = client.get(QUEUE, {"tab": WorkTab.ALL})
    assert tab_codes(response, WorkTab.ALL) == {mine.code, theirs.code}


def test_the_head_assigns_in_bulk_from_the_queue(client, province):
    waiting = [forwarded(province) for _ in range(3)]
    client.force_login(province.approver)
    response = client.get(QUEUE, {"tab": WorkTab.TO_ASSIGN})
    assert tab_codes(response, WorkTab.TO_ASSIGN) == {d.code for d in waiting}
    assert 'name="ho_so"' in response.content.decode()
    response = client.post(
        reverse("dossiers:bulk_assign"),
        {"ho_so": [waiting[0].pk, waiting[1].pk], "specialist": province.specialist.pk, "next": QUEUE},
    )
    assert response.status_code == 302
    states = dict(Dossier.objects.filter(pk__in=[d.pk for d in waiting]).values_list("pk", "state"))
    assert states == {waiting[0].pk: S.APPRAISING, waiting[1].pk: S.APPRAISING, waiting[2].pk: S.ASSIGNED}


def test_bulk_assignment_without_a_choice_tells_why(client, province):
    forwarded(province)
    client.force_login(province.approver)
    response = client.post(reverse("dossiers:bulk_assign"), {"next": QUEUE}, follow=True)
    assert "Chọn ít nhất một hồ sơ để phân công." in response.content.decode()


def test_a_specialist_cannot_bulk_assign(client, province):
    dossier = forwarded(province)
    client.force_login(province.specialist)
    response = client.post(reverse("dossiers:bulk_assign"), {"ho_so": [dossier.pk]})
    assert response.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).state == S.ASSIGNED


def test_the_head_sees_what_waits_for_approval(client, province):
    dossier = awaiting_approval(province)
    client.force_login(province.approver)
    response = client.get(QUEUE)  # the head lands on "chờ phê duyệt"
    assert tab_codes(response, WorkTab.TO_APPROVE) == {dossier.code}


def test_a_transferred_dossier_is_in_the_receiving_agency_queue_only(client, province):
    partner = AgencyFactory(
        level=AgencyLevel.PROVINCE, administrative_unit=province.unit, has_one_stop_desk=False
    )
    partner_specialist = officer_in(partner, Role.SPECIALIST)
    stranger = officer_in(AgencyFactory(), Role.SPECIALIST)
    dossier = services.dossier_transfer(
        dossier=appraising(province),
        actor=province.specialist,
        to_agency=partner,
        request="Đề nghị cho ý kiến về quy hoạch của thửa đất.",
    )
    client.force_login(partner_specialist)
    assert tab_codes(client.get(QUEUE, {"tab": WorkTab.TRANSFERRED}), WorkTab.TRANSFERRED) == {dossier.code}
    client.force_login(province.specialist)  # the sending agency follows it too
    assert tab_codes(client.get(QUEUE, {"tab": WorkTab.TRANSFERRED}), WorkTab.TRANSFERRED) == {dossier.code}
    client.force_login(stranger)
    assert tab_codes(client.get(QUEUE, {"tab": WorkTab.ALL}), WorkTab.ALL) == set()


def test_due_soon_and_overdue_tabs_follow_the_sweep(client, province):
    late = appraising(province, at=timezone.now() - dt.timedelta(days=60))
    appraising(province)
    services.dossier_deadlines_sweep(agency_id=province.department.pk)
    client.force_login(province.approver)
    assert tab_codes(client.get(QUEUE, {"tab": WorkTab.OVERDUE}), WorkTab.OVERDUE) == {late.code}
    assert tab_codes(client.get(QUEUE, {"tab": WorkTab.DUE_SOON}), WorkTab.DUE_SOON) == set()


@pytest.mark.parametrize("field", ["code", "applicant_id_number"])
def test_search_and_filters_in_the_url(client, province, field):
    first, second = appraising(province), appraising(province)
    Dossier.objects.filter(pk=second.pk).update(applicant_id_number="056190000999")
    first.refresh_from_db()
    client.force_login(province.specialist)
    response = client.get(QUEUE, {"tab": WorkTab.ALL, "q": getattr(first, field)})
    assert tab_codes(response, WorkTab.ALL) == {first.code}
    response = client.get(QUEUE, {"tab": WorkTab.ALL, "thu_tuc": "0.000000"})
    assert tab_codes(response, WorkTab.ALL) == set()


def test_the_queue_costs_a_fixed_number_of_queries(client, province):
    client.force_login(province.approver)
    appraising(province)
    client.get(QUEUE, {"tab": WorkTab.ALL})  # what the process keeps (the calendar shown) is read once
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE, {"tab": WorkTab.ALL})
    for _ in range(6):
        appraising(province)
    with CaptureQueriesContext(connection) as many:
        client.get(QUEUE, {"tab": WorkTab.ALL})
    assert len(many) == len(few)


def test_people_without_a_processing_role_are_turned_away(client, province):
    client.force_login(province.officer)
    assert client.get(QUEUE).status_code == 403
    client.force_login(province.citizen)
    assert client.get(QUEUE).status_code == 403


def test_finished_dossiers_are_listed_without_a_current_agency(client, province):
    from .factories import signing_ready

    signing_ready(province)
    delivered = services.dossier_deliver(
        dossier=services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver),
        actor=province.officer,
        method="desk",
        collected_by="Nguyễn Văn An",
    )
    stopped = services.dossier_stop(
        dossier=appraising(province), actor=province.approver, reason="Người nộp đề nghị dừng giải quyết."
    )
    running = appraising(province)
    client.force_login(province.approver)
    # the active tabs list only what is still being processed
    assert tab_codes(client.get(QUEUE, {"tab": WorkTab.ALL}), WorkTab.ALL) == {running.code}
    # finished dossiers come with an explicit search, without a current agency
    response = client.get(QUEUE, {"tab": WorkTab.FINISHED})
    assert response.status_code == 200 and 'data-testid="history-search-hint"' in response.content.decode()
    assert tab_codes(response, WorkTab.FINISHED) == set()
    day = timezone.localdate().isoformat()
    response = client.get(QUEUE, {"tab": WorkTab.FINISHED, "tu_ngay": day})
    assert tab_codes(response, WorkTab.FINISHED) == {delivered.code, stopped.code}
    response = client.get(QUEUE, {"tab": WorkTab.FINISHED, "q": stopped.code})
    assert tab_codes(response, WorkTab.FINISHED) == {stopped.code}
