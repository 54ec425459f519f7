"""Reads of the satisfaction surveys, for the dossier page and for the index (results per agency, per officer
and per period). The KPI engine calls `satisfaction_by_agency` / `satisfaction_by_officer`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, QuerySet

from ..constants import DossierState
from ..models import Dossier, SatisfactionSurvey
from .constants import QUESTIONS


def survey_of(*, dossier: Dossier) -> SatisfactionSurvey | None:
    return SatisfactionSurvey.objects.filter(dossier=dossier).first()


def survey_is_open(*, dossier: Dossier) -> bool:
    return (
        dossier.state == DossierState.DELIVERED
        and not SatisfactionSurvey.objects.filter(dossier=dossier).exists()
    )


@dataclass(frozen=True)
class Satisfaction:
    """Average ratings (1–5) of a group of answers; `score` is the mean of the five questions."""

    key: int | None
    name: str
    answers: int
    averages: dict[str, float]

    @property
    def score(self) -> float:
        return round(sum(self.averages.values()) / len(self.averages), 2) if self.averages else 0.0

    @property
    def percent(self) -> float:
        """The score on a 0–100 scale (1 → 0 %, 5 → 100 %), as the index reports satisfaction."""
        return round((self.score - 1) / 4 * 100, 1) if self.answers else 0.0


def _in_period(
    queryset: QuerySet[SatisfactionSurvey], start: dt.datetime | None, end: dt.datetime | None
) -> QuerySet[SatisfactionSurvey]:
    if start:
        queryset = queryset.filter(answered_at__gte=start)
    if end:
        queryset = queryset.filter(answered_at__lt=end)
    return queryset


def _grouped(queryset, key: str, name: str) -> list[Satisfaction]:
    rows = (
        queryset.values(key, name)
        .annotate(answers=Count("pk"), **{f"avg_{q}": Avg(q) for q, _label in QUESTIONS})
        .order_by(name)
    )
    return [
        Satisfaction(
            key=row[key],
            name=row[name] or "",
            answers=row["answers"],
            averages={q: round(float(row[f"avg_{q}"]), 2) for q, _label in QUESTIONS},
        )
        for row in rows
    ]


def satisfaction_by_agency(
    *, start: dt.datetime | None = None, end: dt.datetime | None = None, agency_ids: set[int] | None = None
) -> list[Satisfaction]:
    """Satisfaction per competent agency over [start, end) (answered_at); all agencies when `agency_ids` is None."""
    queryset = _in_period(SatisfactionSurvey.objects.all(), start, end)
    if agency_ids is not None:
        queryset = queryset.filter(agency_id__in=agency_ids)
    return _grouped(queryset, "agency_id", "agency__name")


def satisfaction_by_officer(
    *, start: dt.datetime | None = None, end: dt.datetime | None = None, agency_ids: set[int] | None = None
) -> list[Satisfaction]:
    """Satisfaction per desk officer who received the dossiers, over [start, end), for their desks."""
    queryset = _in_period(SatisfactionSurvey.objects.filter(officer__isnull=False), start, end)
    if agency_ids is not None:
        queryset = queryset.filter(desk_agency_id__in=agency_ids)
    return _grouped(queryset, "officer_id", "officer__full_name")


def survey_comments(
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    agency_ids: set[int] | None = None,
    limit: int = 20,
) -> list[SatisfactionSurvey]:
    queryset = _in_period(SatisfactionSurvey.objects.exclude(comment=""), start, end)
    if agency_ids is not None:
        queryset = queryset.filter(agency_id__in=agency_ids)
    return list(queryset.select_related("agency")[:limit])
