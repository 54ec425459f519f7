"""The catalogue facts of the index (1c, 3a, 3b, 3đ'), built once a day with the snapshots: which procedures are
in force, offered online, online services, fee-bearing, published with every part — per competent agency.

The indicators read the catalogue as it is on the day (not over a period): `entries` gives the rows of a scope,
rebuilding them first when they were built before today (a new day, or a database never rebuilt).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from procedures.constants import ServiceLevel, VersionStatus
from procedures.models import Fee, ProcedureVersion

from ..models import KpiCatalogueEntry
from . import setbased


def rebuild(*, wait: bool = True) -> int:
    """Replace every row by the catalogue as it is now (a few queries; a province has a few thousand versions).
    Without `wait`, nothing is done while a snapshot rebuild holds the tables (a request keeps yesterday's rows)."""
    today = timezone.localdate()
    versions = (
        ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .annotate(
            n_components=Count("components", distinct=True),
            n_times=Count("processing_times", distinct=True),
            n_agencies=Count("competent_agencies", distinct=True),
            has_fee=Exists(Fee.objects.filter(version=OuterRef("pk"), amount__gt=0)),
        )
        .values_list(
            "pk",
            "procedure_id",
            "service_level",
            "allows_online",
            "has_fee",
            "sequence",
            "submission_method",
            "name",
            "n_components",
            "n_times",
            "n_agencies",
        )
    )
    agencies: dict[int, list[int]] = {}
    through = ProcedureVersion.competent_agencies.through
    for version_id, agency_id in through.objects.filter(
        procedureversion__status=VersionStatus.PUBLISHED
    ).values_list("procedureversion_id", "agency_id"):
        agencies.setdefault(version_id, []).append(agency_id)
    rows = []
    for pk, procedure, level, allows, fee, sequence, method, name, components, times, n_agencies in versions:
        full = bool(sequence and method and name and components and times and n_agencies)
        online = level in (ServiceLevel.FULL_ONLINE, ServiceLevel.PARTIAL_ONLINE)
        for agency in agencies.get(pk) or [None]:
            rows.append(
                KpiCatalogueEntry(
                    built_on=today,
                    version_id=pk,
                    procedure_id=procedure,
                    agency_id=agency,
                    online=online,
                    allows_online=allows,
                    fee=fee,
                    full_content=full,
                )
            )
    with transaction.atomic():
        if not setbased.lock_snapshots(wait=wait):
            return 0
        KpiCatalogueEntry.objects.all().delete()
        KpiCatalogueEntry.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@dataclass(frozen=True)
class Entry:
    version: int
    procedure: int
    online: bool
    allows_online: bool
    fee: bool
    full_content: bool


def entries(*, agency_id=None, agency_ids=None, procedure_id=None) -> list[Entry]:
    """The catalogue rows of a scope (one per version: a version counts once however many of the scope's
    agencies share it)."""
    filters = Q()
    if agency_id is not None:
        filters &= Q(agency_id=agency_id)
    if agency_ids is not None:
        filters &= Q(agency_id__in=agency_ids)
    if procedure_id is not None:
        filters &= Q(procedure_id=procedure_id)
    fields = ("built_on", "version_id", "procedure_id", "online", "allows_online", "fee", "full_content")
    rows = list(KpiCatalogueEntry.objects.filter(filters).values_list(*fields))
    stale = not rows and not KpiCatalogueEntry.objects.exists()
    if stale or (rows and rows[0][0] != timezone.localdate()):
        rebuild(wait=False)
        rows = list(KpiCatalogueEntry.objects.filter(filters).values_list(*fields))
    found: dict[int, Entry] = {}
    for _built, *values in rows:
        found.setdefault(values[0], Entry(*values))
    return list(found.values())
