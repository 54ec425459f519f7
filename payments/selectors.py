"""Reads of the payments app."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from dossiers.models import Dossier
from procedures.fees import fee_lines, waived

from .constants import PaymentStatus, Provider
from .models import Payment, PaymentRefund, UnmatchedTransfer


def finance_exemptions(*, agency_ids: set[int], day: dt.date) -> list[dict]:
    """Fee exemptions granted to the agencies' dossiers received on a day (province time) and not refused by
    the desk, with the amount waived: a fully exempted dossier has no payment, so this is where the waived
    fees are accounted for. Dossiers whose exemption took nothing off (no fee it applies to) are left out."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    dossiers = (
        Dossier.objects.filter(
            Q(competent_agency_id__in=agency_ids)
            | Q(competent_agency__isnull=True, receiving_agency_id__in=agency_ids),
            fee_exemption__isnull=False,
            fee_exemption_refused_at__isnull=True,
            received_at__gte=start,
            received_at__lt=start + dt.timedelta(days=1),
        )
        .select_related("fee_exemption", "procedure_version")
        .prefetch_related("procedure_version__fees")
        .order_by("received_at", "pk")
    )
    rows = []
    for dossier in dossiers:
        exemption = dossier.fee_exemption
        lines = fee_lines(dossier.procedure_version.fees_for(dossier.channel), exemption)
        amount_waived = waived(lines)
        if not amount_waived:
            continue
        charged = sum(line["amount"] for line in lines)
        rows.append(
            {
                "dossier": dossier,
                "group": exemption.group,
                "effect": exemption.effect,
                "legal_basis": exemption.legal_basis,
                "full_amount": charged + amount_waived,
                "charged": charged,
                "waived": amount_waived,
            }
        )
    return rows


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
