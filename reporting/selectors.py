"""Reads of the dashboards: who sees what, breakdowns, drill-down lists, overdue list, workload, top procedures.

Every figure comes from the snapshot tables (GROUP BY in the database) or from today's live build; the dossier
lists read `KpiOutcome` and today's running-late dossiers, then the dossier rows by primary key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.constants import PROCESSING_STATES, DeadlineStatus
from dossiers.models import Dossier, DossierApology
from portal.constants import PROVINCE_ROLES, Role
from portal.models import AdministrativeUnit, Agency, AgencyMembership
from procedures.constants import Channel
from procedures.models import Procedure

from .engine.aggregate import Period, Scope, today_build, totals_by
from .engine.history import Standing
from .models import KpiOutcome, KpiTarget


def dashboard_agency_ids(user) -> frozenset[int] | None:
    """None: the whole province (province leaders, administrators); else the agencies the user leads (may be
    empty: no dashboard)."""
    if user.province_role in PROVINCE_ROLES:
        return None
    return frozenset(
        AgencyMembership.objects.filter(user=user, active=True, role=Role.AGENCY_LEADER).values_list(
            "agency_id", flat=True
        )
    )


def may_see_dashboard(user) -> bool:
    if not (user.is_authenticated and user.is_officer or user.is_authenticated and user.province_role):
        return False
    allowed = dashboard_agency_ids(user)
    return allowed is None or bool(allowed)


def visible_agencies(allowed: frozenset[int] | None) -> QuerySet[Agency]:
    agencies = Agency.objects.filter(active=True).order_by("name")
    return agencies if allowed is None else agencies.filter(pk__in=allowed)


def rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


@dataclass
class BreakdownRow:
    key: object
    label: str
    received: int
    online: int
    finished: int
    on_time: int
    running: int
    running_on_time: int
    param: object = None  # the filter's value in a drill-down link (a procedure's code, else the key)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time + self.running_on_time, self.finished + self.running)

    @property
    def online_rate(self) -> Decimal | None:
        return rate(self.online, self.received)

    @property
    def late(self) -> int:
        return self.finished - self.on_time + self.running - self.running_on_time


def _labels(by: str, keys) -> dict[object, tuple[str, object]]:
    """{key: (label, the filter's value in a drill-down link)} — a procedure is filtered by its code."""
    keys = [k for k in keys if k is not None]
    if by == "agency":
        return {pk: (name, pk) for pk, name in Agency.objects.filter(pk__in=keys).values_list("pk", "name")}
    if by == "procedure":
        return {
            pk: (f"{code} {name}", code)
            for pk, code, name in Procedure.objects.filter(pk__in=keys).values_list("pk", "code", "name")
        }
    if by == "unit":
        return {
            pk: (name, pk)
            for pk, name in AdministrativeUnit.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    return {value: (str(label), value) for value, label in Channel.choices}


def breakdown(scope: Scope, period: Period, by: str) -> list[BreakdownRow]:
    groups = totals_by(scope, period, by=by)
    labels = _labels(by, [key for key, t in groups.items() if any(t.values())])
    unknown = (_("(không xác định)"), None)
    rows = [
        BreakdownRow(
            key=key,
            label=labels.get(key, unknown)[0],
            param=labels.get(key, (None, key))[1],
            received=t["received"],
            online=t["received_online"],
            finished=t["finished"],
            on_time=t["finished_on_time"],
            running=t["open_end"],
            running_on_time=t["open_on_time_end"],
        )
        for key, t in groups.items()
        if any(t.values())
    ]
    return sorted(rows, key=lambda r: (-r.received, -r.finished, r.label))


def _matches(scope: Scope, key: tuple) -> bool:
    agency, procedure, unit, channel = key
    return (
        (scope.agency_id is None or agency == scope.agency_id)
        and (scope.agency_ids is None or agency in scope.agency_ids)
        and (scope.procedure_id is None or procedure == scope.procedure_id)
        and (scope.unit_id is None or unit == scope.unit_id)
        and (scope.channel is None or channel == scope.channel)
    )


def _scope_q(scope: Scope) -> Q:
    return scope.q()


@dataclass
class OverdueRow:
    dossier: Dossier
    standing: Standing
    reason: str


def overdue(scope: Scope, *, limit: int = 100) -> list[OverdueRow]:
    """Running dossiers that already count as late now, with why (two supplements, past the appointment) and the
    apology's reason when one was given."""
    late = [(pk, s) for pk, key, s in today_build().running_late if _matches(scope, key)]
    late.sort(key=lambda item: item[1].due_at or timezone.now())
    late = late[:limit]
    dossiers = Dossier.objects.select_related(
        "procedure_version", "competent_agency", "current_handler"
    ).in_bulk([pk for pk, _s in late])
    apologies = dict(
        DossierApology.objects.filter(dossier_id__in=[pk for pk, _s in late], approved_at__isnull=False)
        .order_by("dossier_id", "approved_at")
        .values_list("dossier_id", "reason")
    )
    rows = []
    for pk, s in late:
        if s.supplement_requests >= 2:
            reason = _("Yêu cầu bổ sung %(n)s lần (từ 2 lần tính quá hạn)") % {"n": s.supplement_requests}
        else:
            reason = _("Quá ngày hẹn trả")
        if pk in apologies:
            reason += " — " + _("đã xin lỗi: %(reason)s") % {"reason": apologies[pk]}
        if pk in dossiers:
            rows.append(OverdueRow(dossiers[pk], s, reason))
    return rows


def late_dossier_ids(scope: Scope, period: Period) -> list[int]:
    """Dossiers counted late in the period: finished late in it, and (if it reaches today) running late now."""
    today = timezone.localdate()
    ids = list(
        KpiOutcome.objects.filter(_scope_q(scope), day__gte=period.first, day__lte=period.last, on_time=False)
        .order_by("-day")
        .values_list("dossier_id", flat=True)
    )
    if period.first <= today <= period.last:
        build = today_build()
        ids += [
            o.dossier_id
            for o in build.outcomes
            if not o.on_time and _matches(scope, (o.agency_id, o.procedure_id, o.unit_id, o.channel))
        ]
        ids += [pk for pk, key, _s in build.running_late if _matches(scope, key)]
    return list(dict.fromkeys(ids))


def drill_down(scope: Scope, period: Period, kind: str) -> QuerySet[Dossier]:
    """The dossiers behind a figure: `late`, `received` or `finished` in the period."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    dossiers = Dossier.objects.select_related("procedure_version", "competent_agency")
    if kind == "late":
        return dossiers.filter(pk__in=late_dossier_ids(scope, period)).order_by("-received_at")
    filters = Q()
    if scope.agency_id:
        filters &= Q(competent_agency_id=scope.agency_id)
    if scope.agency_ids is not None:
        filters &= Q(competent_agency_id__in=scope.agency_ids)
    if scope.procedure_id:
        filters &= Q(procedure_version__procedure_id=scope.procedure_id)
    if scope.unit_id:
        filters &= Q(competent_agency__administrative_unit_id=scope.unit_id)
    if scope.channel:
        filters &= Q(channel=scope.channel)
    column = "finished_at" if kind == "finished" else "received_at"
    return (
        dossiers.filter(filters, **{f"{column}__gte": start, f"{column}__lt": end})
        .exclude(state="refused")
        .order_by(f"-{column}")
    )


def workload(scope: Scope) -> list[dict]:
    """Dossiers each officer holds now, and how many of them are overdue (the deadline sweep's mark)."""
    filters = Q(state__in=PROCESSING_STATES, current_handler__isnull=False)
    if scope.agency_id:
        filters &= Q(current_agency_id=scope.agency_id)
    if scope.agency_ids is not None:
        filters &= Q(current_agency_id__in=scope.agency_ids)
    return list(
        Dossier.objects.filter(filters)
        .values("current_handler__full_name", "current_handler__username", "current_agency__name")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=Q(deadline_status=DeadlineStatus.OVERDUE)))
        .order_by("-total", "current_handler__full_name")[:50]
    )


def targets_for(year: int, agency_id: int | None) -> dict[str, Decimal]:
    """{indicator code: target}: the agency's own target, else the province's."""
    rows = KpiTarget.objects.filter(year=year).filter(Q(agency__isnull=True) | Q(agency_id=agency_id))
    found: dict[str, Decimal] = {}
    for row in sorted(rows, key=lambda r: r.agency_id is not None):
        found[row.indicator_code] = row.value
    return found
