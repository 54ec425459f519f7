"""Reads of the payments app."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from .constants import PaymentStatus, Provider
from .models import Payment, PaymentRefund, UnmatchedTransfer


def payments_for_dossier(*, dossier_id: int) -> list[Payment]:
    return list(Payment.objects.filter(dossier_id=dossier_id).order_by("-created_at", "-id"))


def finance_payments(
    *, agency_ids: set[int], day: dt.date, provider: str = "", status: str = ""
) -> QuerySet[Payment]:
    """Payments of the agencies started on a day (province time), newest first."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    rows = Payment.objects.filter(
        agency_id__in=agency_ids, created_at__gte=start, created_at__lt=start + dt.timedelta(days=1)
    ).select_related("dossier", "agency")
    if provider:
        rows = rows.filter(provider=provider)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def finance_totals(rows: QuerySet[Payment]) -> list[dict]:
    """Count and sum per provider and state, with their labels."""
    totals = rows.order_by().values("provider", "status").annotate(count=Count("id"), total=Sum("amount"))
    return [
        {
            **t,
            "provider_label": Provider(t["provider"]).label,
            "status_label": PaymentStatus(t["status"]).label,
        }
        for t in totals
    ]


def unmatched_transfers(*, agency_ids: set[int]) -> QuerySet[UnmatchedTransfer]:
    return UnmatchedTransfer.objects.filter(agency_id__in=agency_ids).order_by("-received_at")


def refunds_for(*, agency_ids: set[int]) -> QuerySet[PaymentRefund]:
    return PaymentRefund.objects.filter(payment__agency_id__in=agency_ids).select_related(
        "payment", "requested_by"
    )[:100]
