"""A queue page costs the same number of SQL queries for one dossier as for many, on every tab."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.queues import WorkTab

from .factories import appraising, counter_received, forwarded

pytestmark = pytest.mark.date_sensitive

WORK_PAGES = [
    {"tab": WorkTab.MINE},
    {"tab": WorkTab.ALL},
    {"tab": WorkTab.TO_ASSIGN},
    {"tab": WorkTab.OVERDUE},
    {"tab": WorkTab.FINISHED, "q": "H32"},
]
DESK_PAGES = [{"trang_thai": "received"}, {"trang_thai": "delivered"}, {"trang_thai": ""}, {"q": "H32"}]


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def _stopped(province):
    return services.dossier_stop(
        dossier=appraising(province), actor=province.approver, reason="Người nộp đề nghị dừng giải quyết."
    )


@pytest.mark.parametrize("params", WORK_PAGES, ids=lambda p: "-".join(p.values()))
def test_work_queue_queries_do_not_grow_with_dossiers(
    client, province, params, django_assert_max_num_queries
):
    officer = province.specialist if params["tab"] == WorkTab.MINE else province.approver
    # one dossier on each tab: assigned, appraising and overdue, finished
    forwarded(province)
    appraising(province, at=timezone.now() - timezone.timedelta(days=60))
    _stopped(province)
    services.dossier_deadlines_sweep(agency_id=province.department.pk)
    client.force_login(officer)
    url = reverse("dossiers:work_queue")
    one = _count(client, url, params)
    for _ in range(4):
        appraising(province, at=timezone.now() - timezone.timedelta(days=60))
        forwarded(province)
        _stopped(province)
    services.dossier_deadlines_sweep(agency_id=province.department.pk)
    with django_assert_max_num_queries(one):
        client.get(url, params)


@pytest.mark.parametrize("params", DESK_PAGES, ids=lambda p: "-".join(str(v) for v in p.values()) or "all")
def test_desk_queue_queries_do_not_grow_with_dossiers(
    client, province, params, django_assert_max_num_queries
):
    counter_received(province)
    client.force_login(province.officer)
    url = reverse("dossiers:intake_queue")
    one = _count(client, url, params)
    for _ in range(6):
        counter_received(province)
    with django_assert_max_num_queries(one):
        client.get(url, params)


def _queries_on(client, url, params, table: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return sum(f'FROM "{table}"' in query["sql"] for query in captured)


def test_a_desk_reads_the_versions_it_receives_once_for_a_while(client, province):
    from django.core.cache import cache

    counter_received(province)
    client.force_login(province.officer)
    url = reverse("dossiers:intake_queue")
    assert _queries_on(client, url, {"trang_thai": ""}, "procedures_procedureversion") == 1
    assert _queries_on(client, url, {"trang_thai": ""}, "procedures_procedureversion") == 0
    cache.clear()  # DESK_SCOPE_CACHE_SECONDS later
    assert _queries_on(client, url, {"trang_thai": ""}, "procedures_procedureversion") == 1


def test_a_finished_count_past_the_bound_is_not_read_again(client, province, monkeypatch):
    from dossiers import queues

    from .factories import awaiting_approval, signing_ready

    monkeypatch.setattr(queues, "COUNT_BOUND", 1)
    signing_ready(province)
    for _ in range(2):
        services.dossier_deliver(
            dossier=services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver),
            actor=province.officer,
            method="desk",
            collected_by="Nguyễn Văn An",
        )
    counts = queues.intake_queue_counts(user=province.officer)
    assert counts["delivered"] == 2 and counts["refused"] == 0
    with CaptureQueriesContext(connection) as again:
        assert queues.intake_queue_counts(user=province.officer) == counts
    # past the bound ("hơn 1"), delivered is no longer counted; the states below it still are
    assert not any("'delivered'" in query["sql"] and "LIMIT" in query["sql"] for query in again)
    assert any("'refused'" in query["sql"] and "LIMIT" in query["sql"] for query in again)
