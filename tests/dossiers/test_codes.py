"""Dossier codes: <agency code>-<YYMMDD>-<NNNN>, unique and gap-free per agency and day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection, transaction

from dossiers import services
from dossiers.constants import LOOKUP_SECRET_ALPHABET
from dossiers.models import DossierCodeCounter
from tests.portal.factories import AgencyFactory

from .concurrency import issue_codes, run_on_sqlite_file
from .factories import counter_received, received

pytestmark = pytest.mark.date_sensitive

DAY = dt.date(2025, 11, 21)


def test_codes_follow_the_national_pattern(db):
    agency = AgencyFactory(code="000.00.15.H32")
    assert services.dossier_code_issue(agency=agency, on=DAY) == ("000.00.15.H32-251121-0001", 1)
    assert services.dossier_code_issue(agency=agency, on=DAY) == ("000.00.15.H32-251121-0002", 2)


def test_each_agency_and_day_has_its_own_sequence(db):
    first, second = AgencyFactory(), AgencyFactory()
    services.dossier_code_issue(agency=first, on=DAY)
    services.dossier_code_issue(agency=first, on=DAY)
    assert services.dossier_code_issue(agency=second, on=DAY)[1] == 1
    assert services.dossier_code_issue(agency=first, on=DAY + dt.timedelta(days=1))[1] == 1
    assert services.dossier_code_issue(agency=first, on=DAY)[1] == 3


def test_the_pattern_is_a_setting(db, settings):
    settings.DOSSIER_CODE_PATTERN = "{agency}.{date:%Y%m%d}.{number:05d}"
    agency = AgencyFactory(code="000.31.01.H32")
    assert services.dossier_code_issue(agency=agency, on=DAY)[0] == "000.31.01.H32.20251121.00001"


def test_a_rolled_back_reception_gives_its_number_back(db):
    # given a reception that takes number 1 and then fails
    agency = AgencyFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_code_issue(agency=agency, on=DAY)
        raise RuntimeError("the scanner failed")
    # when the next reception of the day happens
    code, number = services.dossier_code_issue(agency=agency, on=DAY)
    # then it gets number 1: no gap in the register
    assert number == 1 and code.endswith("-0001")


def test_receptions_get_consecutive_codes_and_secrets(province):
    # given three receptions at the same desk on the same day, online and at the counter
    at = dt.datetime(2025, 11, 21, 9, 0, tzinfo=dt.UTC)
    dossiers = [
        received(province, at=at),
        counter_received(province, at=at),
        counter_received(province, at=at),
    ]
    # then their codes are consecutive and their secrets readable and distinct
    prefix = f"{province.centre.code}-{at.astimezone(dt.timezone(dt.timedelta(hours=7))):%y%m%d}"
    assert [d.code for d in dossiers] == [f"{prefix}-0001", f"{prefix}-0002", f"{prefix}-0003"]
    assert [d.register_number for d in dossiers] == [1, 2, 3]
    for d in dossiers:
        assert re.fullmatch(f"[{LOOKUP_SECRET_ALPHABET}]{{6}}", d.lookup_secret)
    assert len({d.lookup_secret for d in dossiers}) == 3


def test_the_code_date_is_the_local_reception_date(province):
    # 23:30 UTC on the 20th is 06:30 on the 21st in Vietnam
    dossier = received(province, at=dt.datetime(2025, 11, 20, 23, 30, tzinfo=dt.UTC))
    assert "-251121-" in dossier.code


def test_a_draft_has_no_code_and_a_submitted_one_keeps_its_code_at_reception(province):
    from .factories import draft, submitted

    assert draft(province).code is None
    dossier = submitted(province)
    # Numbered at submission by the desk that will receive it, with its lookup secret, as the national portal does.
    assert dossier.code.startswith(f"{province.centre.code}-") and dossier.lookup_secret
    code, secret, number = dossier.code, dossier.lookup_secret, dossier.register_number
    received = services.dossier_receive(dossier=dossier, actor=province.officer)
    assert (received.code, received.lookup_secret, received.register_number) == (code, secret, number)
    # The next dossier of that desk gets the next number, not the same one again.
    assert submitted(province).register_number == number + 1


@pytest.mark.django_db(transaction=True)
def test_parallel_receptions_get_unique_gap_free_codes(tmp_path):
    """Eight desks' connections take a number at the same moment (PostgreSQL: row lock on the counter;
    SQLite: IMMEDIATE transactions on a database file)."""
    if connection.vendor == "sqlite":
        result = run_on_sqlite_file("codes", tmp_path)
        results, agency_code = result["results"], result["agency"]
    else:
        agency = AgencyFactory()
        results, agency_code = issue_codes(agency.pk, DAY, 8), agency.code
        results = [r if isinstance(r, list) else repr(r) for r in results]
        assert DossierCodeCounter.objects.get(agency=agency, date=DAY).last_number == 8
    # every connection got a code, and together they are exactly 0001…0008
    assert all(isinstance(r, list) for r in results), results
    assert sorted(number for _, number in results) == list(range(1, 9))
    assert sorted(code for code, _ in results) == [f"{agency_code}-251121-{n:04d}" for n in range(1, 9)]
