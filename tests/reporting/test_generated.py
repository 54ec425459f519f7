"""On a generated province (the scale generator, a small count): the snapshots give the figures a direct
recomputation from the raw dossier and event rows gives, for the whole province and per agency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dossiers.generator import generate
from dossiers.models import Dossier
from reporting.engine import snapshots
from reporting.engine.aggregate import Period, Scope, totals, totals_by

from .test_engine import _direct

pytestmark = pytest.mark.django_db


def test_snapshots_equal_a_direct_recomputation_on_generated_dossiers(settings):
    settings.KPI_TODAY_CACHE_SECONDS = 0
    generate(count=300, years=0.25, seed=5, communes=4, citizens=60, workers=1)
    today = timezone.localdate()
    first = timezone.localtime(Dossier.objects.order_by("created_at").first().created_at).date()
    first = min(first, today - dt.timedelta(days=100))
    snapshots.rebuild_range(first, today - dt.timedelta(days=1))
    for start, last in ((first, today), (today - dt.timedelta(days=30), today - dt.timedelta(days=10))):
        direct = _direct(start, last)
        engine = totals(Scope(), Period(start, last))
        assert direct["received"] > 0
        assert {k: engine[k] for k in direct} == direct, (start, last)
    # the agencies' figures add up to the province's
    by_agency = totals_by(Scope(), Period(first, today), by="agency")
    province = totals(Scope(), Period(first, today))
    for name in ("received", "finished", "finished_on_time", "open_end", "open_on_time_end"):
        assert sum(t[name] for t in by_agency.values()) == province[name]
    assert province["finished"] > province["finished_on_time"] > 0
