"""Reads of feedback: the person's follow-up (code + secret), the public page of answers, the officers'
queue, and counts per agency and period for the index (`feedback_by_agency`)."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from ..models import Feedback
from .constants import FeedbackState


def feedback_lookup(*, code: str, secret: str) -> Feedback | None:
    """The feedback with this code and lookup secret. A wrong secret and an unknown code look the same."""
    code = (code or "").strip().upper()
    secret = (secret or "").strip().upper().replace(" ", "")
    if not code or not secret:
        return None
    feedback = Feedback.objects.select_related("agency").filter(code=code).first()
    expected = feedback.lookup_secret if feedback else "-" * len(secret)
    if not hmac.compare_digest(expected.encode(), secret.encode()) or feedback is None:
        return None
    return feedback


def feedback_published(*, query: str = "", category: str = "") -> QuerySet[Feedback]:
    """Answered feedback whose authors did not ask for privacy, newest answers first."""
    queryset = Feedback.objects.filter(state=FeedbackState.ANSWERED, private=False).select_related("agency")
    if category:
        queryset = queryset.filter(category=category)
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(body__icontains=query) | Q(code__iexact=query)
        )
    return queryset.order_by("-answered_at", "-pk")


def feedback_public(*, pk: int) -> Feedback | None:
    return feedback_published().filter(pk=pk).first()


def feedback_queue(
    *, agency_ids: set[int] | None, state: str = "", overdue_at: dt.datetime | None = None
) -> QuerySet[Feedback]:
    queryset = Feedback.objects.select_related("agency", "assignee")
    if agency_ids is not None:
        queryset = queryset.filter(agency_id__in=agency_ids)
    if state:
        queryset = queryset.filter(state=state)
    if overdue_at is not None:
        queryset = queryset.exclude(state=FeedbackState.ANSWERED).filter(due_at__lt=overdue_at)
    return queryset.order_by("state", "due_at", "pk")


@dataclass(frozen=True)
class FeedbackCounts:
    agency_id: int
    agency_name: str
    received: int
    answered: int
    answered_on_time: int
    escalated: int

    @property
    def on_time_rate(self) -> float:
        return round(self.answered_on_time / self.answered * 100, 1) if self.answered else 0.0


def feedback_by_agency(
    *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> list[FeedbackCounts]:
    """Per competent agency, feedback received in [start, end): how many, answered, answered by the deadline,
    escalated — for the index."""
    queryset = Feedback.objects.all()
    if start:
        queryset = queryset.filter(received_at__gte=start)
    if end:
        queryset = queryset.filter(received_at__lt=end)
    rows = (
        queryset.values("agency_id", "agency__name")
        .annotate(
            received=Count("pk"),
            answered=Count("pk", filter=Q(state=FeedbackState.ANSWERED)),
            on_time=Count("pk", filter=Q(state=FeedbackState.ANSWERED, answered_at__lte=F("due_at"))),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        )
        .order_by("agency__name")
    )
    return [
        FeedbackCounts(
            agency_id=row["agency_id"],
            agency_name=row["agency__name"],
            received=row["received"],
            answered=row["answered"],
            answered_on_time=row["on_time"],
            escalated=row["escalated"],
        )
        for row in rows
    ]
