"""What the catalogue puts on the public home page: the fields and the news of changed procedures."""

from __future__ import annotations

from django.db.models import Count, Q

from .constants import ProcedureEventKind
from .models import Field, ProcedureEvent, ProcedureVersion

NEWS_KINDS = (
    ProcedureEventKind.PUBLISHED,
    ProcedureEventKind.RETIRED,
    ProcedureEventKind.SYNC_ADDED,
    ProcedureEventKind.SYNC_CHANGED,
    ProcedureEventKind.SYNC_RETIRED,
)


def catalogue_home_section() -> dict:
    in_force = ProcedureVersion.objects.in_force()
    fields = (
        Field.objects.annotate(
            procedure_count=Count("procedures", filter=Q(procedures__versions__in=in_force), distinct=True)
        )
        .filter(procedure_count__gt=0)
        .order_by("-procedure_count", "name")[:12]
    )
    news = (
        ProcedureEvent.objects.filter(kind__in=NEWS_KINDS)
        .select_related("procedure", "version")
        .order_by("-at", "-pk")[:6]
    )
    return {"home_fields": list(fields), "home_news": list(news)}
