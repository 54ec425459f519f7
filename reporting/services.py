"""Writes of the reporting app: the targets leaders set."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portal.errors import NotPermitted

from .models import KpiTarget
from .selectors import dashboard_agency_ids


def target_set(*, actor, indicator_code: str, agency, year: int, value: Decimal) -> KpiTarget:
    """Set (or change) a target. Province leaders and administrators set any; an agency's leader only their own
    agency's."""
    allowed = dashboard_agency_ids(actor)
    if allowed is not None and (agency is None or agency.pk not in allowed):
        raise NotPermitted("Bạn chỉ đặt được chỉ tiêu của cơ quan mình.")
    with transaction.atomic():
        target = (
            KpiTarget.objects.select_for_update()
            .filter(indicator_code=indicator_code, agency=agency, year=year)
            .first()
        )
        if target is None:
            target = KpiTarget(indicator_code=indicator_code, agency=agency, year=year)
        target.value = value
        target.set_by = actor
        target.save()
    return target
