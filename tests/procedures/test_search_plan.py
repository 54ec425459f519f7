"""The catalogue search on PostgreSQL can answer its words from the GIN trigram index.

The search's SQL is EXPLAINed with `SET LOCAL enable_seqscan = off`: the planner then scans the procedure
table sequentially only when no index can answer the LIKE pattern, so a Seq Scan means the index is unusable
(on a small test catalogue the planner would rightly prefer a sequential scan, which proves nothing).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.selectors import procedure_search

pytestmark = pytest.mark.postgres

INDEX = "procedures_procedure_search_trgm"


def _search_plan(query: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        list(procedure_search(query=query)[:20])
    sql = next(
        q["sql"] for q in captured.captured_queries if "search_text" in q["sql"] and "LIKE" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


@pytest.mark.parametrize("query", ["giay phep xay dung", "Cấp giấy phép", "khai sinh"])
def test_search_words_use_the_trigram_index(db, query):
    from tests.procedures.factories import ProcedureVersionFactory

    for name in ("Cấp giấy phép xây dựng", "Đăng ký khai sinh", "Chứng thực bản sao"):
        ProcedureVersionFactory(procedure__name=name)
    plan = _search_plan(query)
    assert INDEX in plan, plan
    assert "Seq Scan on procedures_procedure" not in plan, plan
