"""Source rules: one small function per kind of data an indicator is computed from.

Each rule takes the `Context` (scope, period, the snapshot totals) and returns a `Ratio`, or None when the data it
needs does not exist (yet) in this system — the dashboards then show "chưa có dữ liệu", never a zero. Adding a
source (the national sync log, payments, surveys, complaints) is one function registered with `@source("key")`; the
indicator rows in the database name the key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q

from procedures.constants import ServiceLevel, VersionStatus
from procedures.models import Fee, ProcedureVersion

from ..models import KpiSnapshot
from .aggregate import Period, Scope, totals, totals_by


@dataclass(frozen=True)
class Ratio:
    numerator: Decimal
    denominator: Decimal

    @property
    def rate(self) -> Decimal | None:
        """Percent, or None when there is nothing to divide by."""
        if not self.denominator:
            return None
        return Decimal(self.numerator) * 100 / Decimal(self.denominator)


@dataclass
class Context:
    scope: Scope
    period: Period

    @cached_property
    def totals(self) -> dict[str, int]:
        return totals(self.scope, self.period)

    def ratio(self, numerator: str, denominator: str) -> Ratio:
        return Ratio(Decimal(self.totals[numerator]), Decimal(self.totals[denominator]))

    def published_versions(self):
        versions = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
        if self.scope.procedure_id:
            versions = versions.filter(procedure_id=self.scope.procedure_id)
        if self.scope.agency_id:
            versions = versions.filter(competent_agencies=self.scope.agency_id)
        if self.scope.agency_ids is not None:
            versions = versions.filter(competent_agencies__in=self.scope.agency_ids)
        return versions


SOURCES: dict[str, Callable[[Context], Ratio | None]] = {}


def source(key: str):
    def register(function: Callable[[Context], Ratio | None]):
        SOURCES[key] = function
        return function

    return register


def no_data(_context: Context) -> None:
    """The data does not exist in this system yet."""
    return None


# Sources other modules will feed; until their data lands here they have none.
for _key in (
    "publication_dates",
    "national_sync",
    "payment_integration",
    "certified_copies",
    "population_procedures",
    "complaints",
    "surveys",
):
    SOURCES[_key] = no_data


@source("on_time")
def on_time(c: Context) -> Ratio:
    """2a: (finished on time + running within the appointment at the period's end) / (finished + running)."""
    t = c.totals
    return Ratio(
        Decimal(t["finished_on_time"] + t["open_on_time_end"]), Decimal(t["finished"] + t["open_end"])
    )


@source("average_days")
def average_days(c: Context) -> Ratio:
    """2b: processing time of the finished dossiers, in days (waits excluded): minutes / (finished × 1 440)."""
    return Ratio(Decimal(c.totals["finished_minutes"]), Decimal(c.totals["finished"] * 1440))


@source("online_share")
def online_share(c: Context) -> Ratio:
    return c.ratio("received_online", "received")


@source("full_online_share")
def full_online_share(c: Context) -> Ratio:
    return c.ratio("received_full_online", "received")


@source("digitised")
def digitised(c: Context) -> Ratio:
    return c.ratio("received_digitised", "received")


@source("reused")
def reused(c: Context) -> Ratio:
    return c.ratio("received_reused", "received")


@source("store_linked")
def store_linked(c: Context) -> Ratio:
    return c.ratio("received_store_linked", "received")


@source("population_data")
def population_data(c: Context) -> Ratio:
    return c.ratio("received_vneid", "received")


@source("electronic_results")
def electronic_results(c: Context) -> Ratio:
    return c.ratio("finished_electronic_result", "finished_with_result")


@source("paid_online")
def paid_online(c: Context) -> Ratio:
    return c.ratio("received_paid_online", "received_fee")


CATALOGUE_CACHE_SECONDS = 600


def catalogue_cached(function: Callable[[Context], Ratio]) -> Callable[[Context], Ratio]:
    """Indicators of the catalogue as it is now (not of a period): kept a few minutes per scope."""

    def cached(c: Context) -> Ratio:
        key = f"reporting:catalogue:{function.__name__}:{c.scope.agency_id}:{c.scope.procedure_id}:"
        key += ",".join(str(i) for i in sorted(c.scope.agency_ids)) if c.scope.agency_ids is not None else "*"
        found = cache.get(key)
        if found is None:
            found = function(c)
            cache.set(key, found, CATALOGUE_CACHE_SECONDS)
        return found

    cached.__name__ = function.__name__
    cached.__doc__ = function.__doc__
    return cached


@source("online_procedures")
@catalogue_cached
def online_procedures(c: Context) -> Ratio:
    """3a: procedures in force offered online (partly or fully) / procedures in force (today's catalogue)."""
    versions = c.published_versions()
    total = versions.values("procedure_id").distinct().count()
    online = (
        versions.filter(service_level__in=(ServiceLevel.FULL_ONLINE, ServiceLevel.PARTIAL_ONLINE))
        .values("procedure_id")
        .distinct()
        .count()
    )
    return Ratio(Decimal(online), Decimal(total))


@source("online_services_used")
def online_services_used(c: Context) -> Ratio:
    """3b: online services with at least one online dossier in the period / online services in force."""
    offered = set(
        c.published_versions().filter(allows_online=True).values_list("procedure_id", flat=True).distinct()
    )
    used = {
        procedure
        for procedure, counts in totals_by(c.scope, c.period, by="procedure").items()
        if counts["received_online"] > 0
    }
    return Ratio(Decimal(len(used & offered)), Decimal(len(offered)))


@source("fee_transactions")
def fee_transactions(c: Context) -> Ratio:
    """3đ': fee-bearing procedures with at least one dossier paid online in the period / fee-bearing procedures."""
    fee_versions = c.published_versions().filter(
        Exists(Fee.objects.filter(version=OuterRef("pk"), amount__gt=0))
    )
    with_fee = set(fee_versions.values_list("procedure_id", flat=True).distinct())
    paid = {
        procedure
        for procedure, counts in totals_by(c.scope, c.period, by="procedure").items()
        if counts["received_paid_online"] > 0
    }
    return Ratio(Decimal(len(paid & with_fee)), Decimal(len(with_fee)))


@source("public_content")
@catalogue_cached
def public_content(c: Context) -> Ratio:
    """1c: procedures in force published with every part (k.2 Đ.8 NĐ 63/2010) / procedures in force."""
    versions = c.published_versions().annotate(
        n_components=Count("components", distinct=True),
        n_times=Count("processing_times", distinct=True),
        n_agencies=Count("competent_agencies", distinct=True),
    )
    total = versions.count()
    full = (
        versions.exclude(Q(sequence="") | Q(submission_method="") | Q(name=""))
        .filter(n_components__gt=0, n_times__gt=0, n_agencies__gt=0)
        .count()
    )
    return Ratio(Decimal(full), Decimal(total))


def snapshot_rows_exist() -> bool:
    return KpiSnapshot.objects.exists()
