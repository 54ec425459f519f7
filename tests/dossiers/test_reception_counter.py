"""The desk's daily counter is held only from taking the number to the commit: the number is the last
statement of a reception, a reception that fails takes no number, and parallel desks do not queue."""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from dossiers import services
from dossiers.models import Dossier, DossierCodeCounter
from dossiers.services import codes, reception
from notifications.constants import Kind
from notifications.models import Notification

from .concurrency import in_parallel
from .factories import counter_received, submitted

pytestmark = pytest.mark.date_sensitive

COUNTER_TABLE = DossierCodeCounter._meta.db_table
DOSSIER_TABLE = Dossier._meta.db_table


def _writes_after_the_number(queries: list[dict]) -> list[str]:
    """The statements run after the counter's UPDATE (savepoint bookkeeping left out)."""
    sqls = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"].upper()]
    taken = max(i for i, sql in enumerate(sqls) if sql.startswith("UPDATE") and COUNTER_TABLE in sql)
    return sqls[taken + 1 :]


def _refuse(province):
    dossier = submitted(province)
    return services.dossier_refuse(
        dossier=dossier, actor=province.officer, reason="Hồ sơ không thuộc thẩm quyền tiếp nhận của cơ quan."
    )


ANNOUNCEMENT_TABLES = ("notifications_", "dossiers_nationalsync", "portal_pendingtask")


def test_the_number_is_the_last_thing_a_counter_reception_writes(province):
    # given a walk-in whose account is verified, so that the reception is announced to them
    applicant = province.citizen
    applicant.identity_verified_at = applicant.date_joined
    applicant.save(update_fields=["identity_verified_at"])

    # when the desk receives the dossier at the counter
    with CaptureQueriesContext(connection) as captured:
        dossier = counter_received(province)

    # then after taking the number the reception writes the code on the dossier, and then only announces the
    # event, which now carries the real code
    after = _writes_after_the_number(captured.captured_queries)
    assert after[0].startswith("UPDATE") and DOSSIER_TABLE in after[0], after
    writes = [sql for sql in after[1:] if not sql.startswith("SELECT")]
    assert all(any(table in sql for table in ANNOUNCEMENT_TABLES) for sql in writes), writes
    assert dossier.code.startswith(province.centre.code) and dossier.register_number == 1
    assert Dossier.objects.get(pk=dossier.pk).code == dossier.code
    notification = Notification.objects.get(dossier_id=dossier.pk, kind=Kind.RECEIVED)
    assert notification.dossier_code == dossier.code and dossier.code in notification.body


@pytest.mark.parametrize(
    "decide",
    [
        lambda p, dossier: services.dossier_receive(dossier=dossier, actor=p.officer),
        lambda p, dossier: services.dossier_refuse(
            dossier=dossier, actor=p.officer, reason="Hồ sơ không thuộc thẩm quyền tiếp nhận của cơ quan."
        ),
    ],
    ids=["reception", "refusal"],
)
def test_an_online_dossier_keeps_the_number_it_got_at_submission(province, decide):
    # given an online dossier numbered when it was submitted
    dossier = submitted(province)
    code = dossier.code

    # when its desk receives or refuses it
    with CaptureQueriesContext(connection) as captured:
        decided = decide(province, dossier)

    # then the desk's counter is not touched again and the code stays
    assert not [q for q in captured.captured_queries if COUNTER_TABLE in q["sql"]]
    assert decided.code == code and DossierCodeCounter.objects.get().last_number == 1


def test_a_reception_that_fails_takes_no_number(province, monkeypatch):
    # given a counter reception that fails after the dossier, its files, event and handover are written
    def handover_fails(*args, **kwargs):
        raise RuntimeError("the receipt printer's queue is unreachable")

    monkeypatch.setattr(reception, "_after_reception", handover_fails)
    with pytest.raises(RuntimeError):
        counter_received(province)
    monkeypatch.undo()

    # then nothing is left of it and the counter was not touched: the next reception is number 1
    assert not Dossier.objects.exists()
    assert not DossierCodeCounter.objects.exists()
    assert counter_received(province).register_number == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_receptions_at_one_desk_hold_the_counter_briefly(monkeypatch):
    """Eight counter receptions at one desk at the same moment, each on its own connection: codes gap-free,
    and each connection holds the counter row only from its number to its commit — a small part of the
    reception (scans stored, dossier, event and handover written before)."""
    from .factories import Province

    province = Province()
    taken: dict[int, float] = {}
    holds: list[float] = []
    durations: list[float] = []
    issue, commit = codes.dossier_code_issue, BaseDatabaseWrapper.commit

    def issue_and_note(**kwargs):
        result = issue(**kwargs)
        taken[threading.get_ident()] = time.monotonic()
        return result

    def commit_and_note(self):
        commit(self)
        started = taken.pop(threading.get_ident(), None)
        if started is not None:
            holds.append(time.monotonic() - started)

    monkeypatch.setattr(codes, "dossier_code_issue", issue_and_note)
    monkeypatch.setattr(BaseDatabaseWrapper, "commit", commit_and_note)

    def one():
        started = time.monotonic()
        dossier = counter_received(province, at=dt.datetime(2026, 10, 14, 9, 0, tzinfo=dt.UTC))
        durations.append(time.monotonic() - started)
        return dossier.code

    results = in_parallel(one, [() for _ in range(8)])

    assert all(isinstance(r, str) for r in results), results
    day = "261014"
    assert sorted(results) == [f"{province.centre.code}-{day}-{n:04d}" for n in range(1, 9)]
    assert len(holds) == 8
    # the counter is held for a fraction of each reception, not for all of it
    assert statistics.median(holds) < statistics.median(durations) / 3, (holds, durations)
    assert sum(holds) < sum(durations) / 3
    with transaction.atomic():
        assert DossierCodeCounter.objects.get(agency=province.centre).last_number == 8
