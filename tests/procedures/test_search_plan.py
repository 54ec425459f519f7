"""The catalogue search on PostgreSQL can answer its words from the GIN trigram index.

The search's SQL is EXPLAINed with `SET LOCAL enable_seqscan = off`: the planner then scans the procedure
table sequentially only when no index can answer the LIKE pattern, so a Seq Scan means the index is unusable
(on a small test catalogue the planner would rightly prefer a sequential scan, which proves nothing). Which
index it takes instead depends on the table's statistics, so the words' patterns are also EXPLAINed on the
procedure table alone with plain index scans off too: a bitmap scan needs an index that answers the pattern,
and only the trigram index can.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Procedure
from procedures.selectors import procedure_search
from procedures.text import fold

pytestmark = pytest.mark.postgres

INDEX = "procedures_procedure_search_trgm"


def _explain(sql: str, params=None, *, off=("seqscan",)) -> str:
    with connection.cursor() as cursor:
        for method in off:
            cursor.execute(f"SET LOCAL enable_{method} = off")
        if params is None:  # captured SQL has its values inlined: no placeholders to fill
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for method in off:
            cursor.execute(f"SET LOCAL enable_{method} = on")
    return plan


def _words_plan(query: str) -> str:
    """The search's word patterns (each word folded like the stored text, as a constant LIKE) on the table."""
    procedures = Procedure.objects.all()
    for word in fold(query).split():
        procedures = procedures.filter(search_text__contains=word)
    sql, params = procedures.values("pk").query.sql_with_params()
    return _explain(sql, params, off=("seqscan", "indexscan", "indexonlyscan"))


def _search_plan(query: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        list(procedure_search(query=query)[:20])
    sql = next(
        q["sql"] for q in captured.captured_queries if "search_text" in q["sql"] and "LIKE" in q["sql"]
    )
    return _explain(sql)


@pytest.mark.parametrize("query", ["giay phep xay dung", "Cấp giấy phép", "khai sinh"])
def test_search_words_use_the_trigram_index(db, query):
    from tests.procedures.factories import ProcedureVersionFactory

    for name in ("Cấp giấy phép xây dựng", "Đăng ký khai sinh", "Chứng thực bản sao"):
        ProcedureVersionFactory(procedure__name=name)
    plan = _search_plan(query)
    assert "Seq Scan on procedures_procedure" not in plan, plan
    words = _words_plan(query)
    assert INDEX in words, words
