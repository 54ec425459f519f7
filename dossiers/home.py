"""What dossiers put on the public home page: the most used procedures and the province's processing figures
this year (received, settled, settled on time). Computed at most every HOME_FIGURES_CACHE_SECONDS."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.utils import timezone

from procedures.models import ProcedureVersion

from .constants import DossierState
from .models import Dossier

SETTLED = (DossierState.RESULT_READY, DossierState.DELIVERED)


def _figures(year: int) -> dict:
    this_year = Dossier.objects.filter(received_at__year=year)
    received = this_year.exclude(state=DossierState.REFUSED).count()
    settled = Dossier.objects.filter(state__in=SETTLED, finished_at__year=year)
    settled_count = settled.count()
    on_time = settled.filter(Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at"))).count()
    popular = list(
        Dossier.objects.filter(received_at__year=year)
        .values("procedure_version__procedure_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[:6]
    )
    return {
        "year": year,
        "received": received,
        "settled": settled_count,
        "on_time": on_time,
        "on_time_percent": round(100 * on_time / settled_count, 1) if settled_count else None,
        "popular_procedure_ids": [row["procedure_version__procedure_id"] for row in popular],
    }


def dossiers_home_section() -> dict:
    year = timezone.localdate().year
    key = f"home:figures:{year}"
    figures = cache.get(key)
    if figures is None:
        figures = _figures(year)
        cache.set(key, figures, getattr(settings, "HOME_FIGURES_CACHE_SECONDS", 600))
    ids = figures["popular_procedure_ids"]
    versions = {
        v.procedure_id: v
        for v in ProcedureVersion.objects.in_force().filter(procedure_id__in=ids).select_related("procedure")
    }
    return {
        "home_figures": figures,
        "home_popular": [versions[i] for i in ids if i in versions],
    }
