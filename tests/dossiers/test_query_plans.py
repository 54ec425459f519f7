"""The queue, desk, sweep and lookup queries can use their indexes on PostgreSQL.

Every SELECT a page runs is captured and EXPLAINed with `SET LOCAL enable_seqscan = off`: the planner then
takes a sequential scan of a table only when no index can answer the query, so a "Seq Scan" on the dossier,
event or handover table proves a query with no usable index (on a small test database the planner would
otherwise rightly prefer scanning a few pages, which proves nothing). The generated 1 M-dossier benchmark
checks the planner's real choice with statistics.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers import queues, selectors, services
from dossiers.constants import PROCESSING_STATES
from dossiers.models import Dossier, DossierEvent, DossierHandover
from dossiers.queues import WorkTab

from .factories import appraising, awaiting_approval, forwarded, received, submitted

pytestmark = [pytest.mark.postgres, pytest.mark.date_sensitive]

HISTORY_TABLES = [m._meta.db_table for m in (Dossier, DossierEvent, DossierHandover)]
SEQ_SCAN = re.compile(r"Seq Scan on ({})\b".format("|".join(HISTORY_TABLES)))


def _plans(queries: list[dict]) -> list[tuple[str, str]]:
    """(sql, plan) for each captured SELECT that reads a history table."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            if not any(f'"{table}"' in sql for table in HISTORY_TABLES):
                continue
            cursor.execute("EXPLAIN " + sql)
            found.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


def _assert_indexed(queries: list[dict]) -> int:
    plans = _plans(queries)
    for sql, plan in plans:
        assert not SEQ_SCAN.search(plan), f"{sql}\n---\n{plan}"
    return len(plans)


@pytest.fixture
def busy_province(province):
    """Dossiers in most states at the provincial desk and department."""
    submitted(province)
    received(province)
    forwarded(province)
    appraising(province)
    appraising(province, at=timezone.now() - dt.timedelta(days=60))
    awaiting_approval(province)
    services.dossier_stop(
        dossier=appraising(province), actor=province.approver, reason="Người nộp đề nghị dừng giải quyết."
    )
    return province


@pytest.mark.parametrize("tab", [WorkTab.MINE, WorkTab.ALL, WorkTab.OVERDUE, WorkTab.TO_ASSIGN])
def test_work_queue_pages_read_through_indexes(client, busy_province, tab):
    officer = busy_province.specialist if tab == WorkTab.MINE else busy_province.approver
    client.force_login(officer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dossiers:work_queue"), {"tab": tab}).status_code == 200
    assert _assert_indexed(captured.captured_queries) >= 2  # the counts and the page


@pytest.mark.parametrize("search", ["dates", "code"])
def test_the_finished_search_reads_through_indexes(client, busy_province, search):
    client.force_login(busy_province.approver)
    stopped = Dossier.objects.get(state="stopped")
    params = {"tu_ngay": timezone.localdate().isoformat()} if search == "dates" else {"q": stopped.code[-11:]}
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dossiers:work_queue"), {"tab": WorkTab.FINISHED, **params})
    assert response.status_code == 200 and stopped.code in response.content.decode()
    assert _assert_indexed(captured.captured_queries) >= 2


def test_the_finished_search_walks_each_agency_history_newest_first(busy_province):
    # the history search is a union of two halves, one per agency column, each an ordered index scan that
    # stops at the bound — not a bitmap OR of the agency's whole history
    filters = queues.WorkFilters(tab=WorkTab.FINISHED, q="H")
    queryset = queues.work_queue(user=busy_province.approver, filters=filters)
    sql = str(queryset.query)
    assert sql.count("UNION") == 1 and sql.count(f"LIMIT {queues.COUNT_BOUND + 1}") == 2
    expected = (
        Dossier.objects.filter(queues.work_scope(user=busy_province.approver))
        .exclude(state__in=PROCESSING_STATES)
        .filter(code__icontains="H")
        .order_by("-received_at", "-id")
    )
    assert list(queryset.values_list("pk", flat=True)) == list(expected.values_list("pk", flat=True))
    assert list(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("state", ["submitted", "received", "delivered", ""])
def test_desk_queue_pages_and_counts_read_through_indexes(client, busy_province, state):
    client.force_login(busy_province.officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dossiers:intake_queue"), {"trang_thai": state})
    assert response.status_code == 200
    assert _assert_indexed(captured.captured_queries) >= 2


def test_the_public_lookup_reads_through_indexes(client, busy_province):
    dossier = Dossier.objects.exclude(code=None).first()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse("dossiers:lookup"), {"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret}
        )
    assert response.status_code == 200 and dossier.code in response.content.decode()
    assert _assert_indexed(captured.captured_queries) >= 1


def test_the_deadline_sweep_reads_through_indexes(busy_province):
    with CaptureQueriesContext(connection) as captured:
        services.dossier_deadlines_sweep(agency_id=busy_province.department.pk)
        selectors.agencies_with_running_dossiers()
    assert _assert_indexed(captured.captured_queries) >= 2


def test_the_check_sees_a_query_without_an_index(busy_province):
    # a read by an unindexed column must be caught, or the tests above prove nothing
    with CaptureQueriesContext(connection) as captured:
        list(Dossier.objects.filter(applicant_phone="0900000000").values_list("pk", flat=True))
    ((_sql, plan),) = _plans(captured.captured_queries)
    assert SEQ_SCAN.search(plan)
