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

from ..models import KpiSnapshot
from . import catalogue
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

    @cached_property
    def by_procedure(self) -> dict:
        return totals_by(self.scope, self.period, by="procedure")

    @cached_property
    def catalogue(self) -> list[catalogue.Entry]:
        """Today's catalogue within the scope's agencies and procedure (built with the daily snapshots)."""
        return catalogue.entries(
            agency_id=self.scope.agency_id or None,
            agency_ids=self.scope.agency_ids,
            procedure_id=self.scope.procedure_id or None,
        )


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


@source("online_procedures")
def online_procedures(c: Context) -> Ratio:
    """3a: procedures in force offered online (partly or fully) / procedures in force (today's catalogue)."""
    entries = c.catalogue
    total = {e.procedure for e in entries}
    online = {e.procedure for e in entries if e.online}
    return Ratio(Decimal(len(online)), Decimal(len(total)))


@source("online_services_used")
def online_services_used(c: Context) -> Ratio:
    """3b: online services with at least one online dossier in the period / online services in force."""
    offered = {e.procedure for e in c.catalogue if e.allows_online}
    used = {procedure for procedure, counts in c.by_procedure.items() if counts["received_online"] > 0}
    return Ratio(Decimal(len(used & offered)), Decimal(len(offered)))


@source("fee_transactions")
def fee_transactions(c: Context) -> Ratio:
    """3đ': fee-bearing procedures with at least one dossier paid online in the period / fee-bearing procedures."""
    with_fee = {e.procedure for e in c.catalogue if e.fee}
    paid = {procedure for procedure, counts in c.by_procedure.items() if counts["received_paid_online"] > 0}
    return Ratio(Decimal(len(paid & with_fee)), Decimal(len(with_fee)))


@source("public_content")
def public_content(c: Context) -> Ratio:
    """1c: procedure versions in force published with every part (k.2 Đ.8 NĐ 63/2010) / versions in force."""
    entries = c.catalogue
    return Ratio(Decimal(sum(e.full_content for e in entries)), Decimal(len(entries)))


def snapshot_rows_exist() -> bool:
    return KpiSnapshot.objects.exists()
