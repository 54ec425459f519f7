"""Reads for the procedure catalogue."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from portal.models import Agency

from .constants import ImplementationLevel, ServiceLevel
from .models import Component, Field, Procedure, ProcedureVersion, ProcessStep
from .search import search_versions


def procedure_version_in_force(procedure: Procedure, on: dt.date | None = None) -> ProcedureVersion | None:
    """The version that applies on `on` (default today): a dossier received that day is bound to it."""
    on = on or timezone.localdate()
    return (
        ProcedureVersion.objects.in_force(on)
        .filter(procedure=procedure)
        .order_by("-valid_from", "-number")
        .first()
    )


def version_with_details(version_id: int) -> ProcedureVersion:
    """One version with everything its page and the intake screens show, in a fixed number of queries."""
    return (
        ProcedureVersion.objects.select_related("procedure", "procedure__field")
        .prefetch_related(
            "competent_agencies",
            "coordinating_agencies",
            "processing_times",
            "fees",
            "exemptions",
            Prefetch("components", queryset=Component.objects.order_by("order", "pk")),
            Prefetch("steps", queryset=ProcessStep.objects.select_related("agency").order_by("order")),
        )
        .get(pk=version_id)
    )


def procedure_versions(procedure: Procedure) -> QuerySet[ProcedureVersion]:
    return procedure.versions.order_by("-number")


def procedure_search(
    *,
    query: str = "",
    field: Field | None = None,
    agency: Agency | None = None,
    level: str = "",
    service_level: str = "",
    online_only: bool = False,
    on: dt.date | None = None,
) -> QuerySet[ProcedureVersion]:
    """Procedures in force on `on` (default today) matching the query and filters, as their current versions.

    Diacritics and case are ignored (see procedures.search); the best matches come first.
    """
    versions = ProcedureVersion.objects.in_force(on)
    if field is not None:
        versions = versions.filter(procedure__field=field)
    if agency is not None:
        versions = versions.filter(competent_agencies=agency)
    if level in ImplementationLevel.values:
        # JSON list of level codes; the quoted value cannot match another code.
        versions = versions.filter(implementation_levels__icontains=f'"{level}"')
    if service_level in ServiceLevel.values:
        versions = versions.filter(service_level=service_level)
    if online_only:
        versions = versions.filter(allows_online=True)
    versions = versions.select_related("procedure", "procedure__field").prefetch_related("competent_agencies")
    return search_versions(versions, query)


# What a row of the catalogue's results shows: the search's page reads these columns only (no form schema,
# requirements or legal texts, which PostgreSQL would otherwise carry through the ranking sort).
CATALOGUE_ROW_FIELDS = (
    "name",
    "service_level",
    "is_inter_agency",
    "allows_online",
    "procedure__code",
    "procedure__field__name",
)


def catalogue_rows(versions: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    """`procedure_search` results as the catalogue page lists them."""
    return versions.only(*CATALOGUE_ROW_FIELDS)


def catalogue_facets(versions: QuerySet[ProcedureVersion]) -> dict[str, dict]:
    """Result counts per field and per service level for the current search (shown beside the filters)."""
    plain = versions.order_by()
    by_field = dict(
        plain.values_list("procedure__field").annotate(n=Count("pk")).values_list("procedure__field", "n")
    )
    by_level = dict(
        plain.values_list("service_level").annotate(n=Count("pk")).values_list("service_level", "n")
    )
    return {"field": by_field, "service_level": by_level}


def catalogue_filter_options() -> dict:
    """Fields and agencies that have at least one procedure in force, for the filter lists."""
    in_force = ProcedureVersion.objects.in_force()
    return {
        "fields": list(Field.objects.filter(procedures__versions__in=in_force).distinct().order_by("name")),
        "agencies": list(Agency.objects.filter(procedure_versions__in=in_force).distinct().order_by("name")),
        "levels": ImplementationLevel.choices,
        "service_levels": ServiceLevel.choices,
    }


def procedure_for_page(code: str) -> tuple[Procedure, ProcedureVersion | None]:
    """A procedure by its code and the version in force today, with everything its public page shows."""
    procedure = Procedure.objects.select_related("field").get(code=code)
    current = procedure_version_in_force(procedure)
    return procedure, (version_with_details(current.pk) if current else None)


def catalogue_export_records(*, on: dt.date | None = None, codes: list[str] | None = None) -> list[dict]:
    """The catalogue in force on `on`, as records in the national field names (see procedures.national)."""
    from .national import record_from_version

    versions = (
        ProcedureVersion.objects.in_force(on)
        .select_related("procedure", "procedure__field")
        .prefetch_related(
            "competent_agencies",
            "coordinating_agencies",
            "processing_times",
            "fees",
            "components",
            "steps__agency",
            "exemptions",
        )
        .order_by("procedure__code")
    )
    if codes is not None:
        versions = versions.filter(procedure__code__in=codes)
    return [record_from_version(v) for v in versions]


def version_page_rows(version: ProcedureVersion) -> dict:
    """What the procedure page lays out: time and fees per channel offered, levels, legal texts."""
    from .constants import Channel, ImplementationLevel

    offered = [Channel.COUNTER]
    offered += [Channel.ONLINE] if version.allows_online else []
    offered += [Channel.POSTAL] if version.allows_postal else []
    return {
        "channels": [
            {"label": channel.label, "time": version.time_limit(channel), "fees": version.fees_for(channel)}
            for channel in offered
        ],
        "levels": [
            str(ImplementationLevel(level).label)
            for level in version.implementation_levels
            if level in ImplementationLevel.values
        ],
        "legal_basis": [line.strip() for line in version.legal_basis.splitlines() if line.strip()],
        "exemptions": list(version.exemptions.all()),
    }
