"""Reads for the procedure catalogue."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Component, Procedure, ProcedureVersion, ProcessStep


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
            Prefetch("components", queryset=Component.objects.order_by("order", "pk")),
            Prefetch("steps", queryset=ProcessStep.objects.select_related("agency").order_by("order")),
        )
        .get(pk=version_id)
    )


def procedure_versions(procedure: Procedure) -> QuerySet[ProcedureVersion]:
    return procedure.versions.order_by("-number")
