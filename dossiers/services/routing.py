"""Routing inside the competent agency: the desk forwards the dossier, the department head assigns it to a
specialist (or the system does, by workload)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, NotPermitted
from portal.models import AgencyMembership
from portal.working_time import load_calendar

from .. import permissions, selectors
from ..constants import EventAction
from ..models import Dossier, Route
from .core import S, field_error, transition
from .handovers import hand_over_along_route, open_handover

if TYPE_CHECKING:
    from portal.models import Agency, User


def _auto_assign(dossier: Dossier, *, at: dt.datetime) -> Dossier:
    """Give the dossier to the least-loaded specialist of the department, as the system."""
    specialist = selectors.least_loaded_specialist(
        agency=dossier.current_agency, department=dossier.current_department
    )
    if specialist is None:
        return dossier
    return _assign(dossier=dossier, actor=None, specialist=specialist, at=at, system=True)


def dossier_forward(
    *,
    dossier: Dossier,
    actor: User,
    auto_assign: bool = False,
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The desk sends a received dossier to the competent agency's department (NĐ 118/2025/NĐ-CP, Điều 16:
    chuyển hồ sơ đến cơ quan có thẩm quyền giải quyết). With `auto_assign`, or when nobody in the agency
    can assign, the system gives it at once to the least-loaded specialist (assignment by workload)."""
    at = at or timezone.now()
    calendar = load_calendar()
    with transaction.atomic():
        with transition(dossier, actor=actor, method="forward", expected_version=expected_version) as t:
            locked = t.dossier
            agency = locked.competent_agency
            if agency is None:
                raise ApplicationError(
                    "Hồ sơ chưa xác định cơ quan giải quyết; liên hệ quản trị để cập nhật thủ tục.",
                    code="no_competent_agency",
                )
            step = selectors.process_step(version=locked.procedure_version, role=Role.SPECIALIST)
            route = Route(agency=agency, department=step.department if step else "", role=Role.SPECIALIST)
            event = t.apply(
                EventAction.FORWARD, at=at, arguments={"route": route}, reason=(note or "").strip()
            )
            hand_over_along_route(
                dossier=locked, event=event, actor=actor, step=step, note=note, calendar=calendar
            )
        nobody_assigns = not AgencyMembership.objects.filter(
            agency=locked.current_agency, role__in=permissions.LEADING_ROLES, active=True
        ).exists()
        if auto_assign or nobody_assigns:
            locked = _auto_assign(locked, at=at)
    return locked


def _check_specialist(agency: Agency, specialist: User) -> None:
    if not AgencyMembership.objects.filter(
        agency=agency, user=specialist, role=Role.SPECIALIST, active=True, user__is_active=True
    ).exists():
        raise field_error(
            "specialist", f"{specialist} không phải chuyên viên của {agency.name}.", code="not_a_specialist"
        )


def _assign(
    *,
    dossier: Dossier,
    actor: User | None,
    specialist: User,
    at: dt.datetime,
    expected_version: int | None = None,
    system: bool = False,
) -> Dossier:
    calendar = load_calendar()
    current_state = Dossier.objects.filter(pk=dossier.pk).values_list("state", flat=True).first()
    method = "assign" if current_state == S.ASSIGNED else "reassign"
    with transition(
        dossier, actor=actor, method=method, expected_version=expected_version, system=system
    ) as t:
        locked = t.dossier
        _check_specialist(locked.current_agency, specialist)
        route = Route(
            agency=locked.current_agency,
            department=locked.current_department,
            role=Role.SPECIALIST,
            handler=specialist,
        )
        event = t.apply(
            EventAction.ASSIGN,
            at=at,
            arguments={"route": route},
            reason=f"Phân công: {specialist.full_name or specialist.username}",
            payload={"specialist_id": specialist.pk, "auto": system},
            public=False,
        )
        # The specialist takes over the step in progress.
        previous = open_handover(locked)
        hand_over_along_route(
            dossier=locked,
            event=event,
            actor=actor,
            step=previous.step if previous else None,
            calendar=calendar,
        )
    return locked


def dossier_assign(
    *,
    dossier: Dossier,
    actor: User,
    specialist: User | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The department head assigns (or reassigns) a specialist; without one, the least-loaded specialist of
    the department is chosen (assignment by workload)."""
    at = at or timezone.now()
    if specialist is None:
        agency = dossier.current_agency
        if agency is None or not permissions.can_lead(actor, dossier):
            raise NotPermitted("Bạn không có quyền phân công xử lý hồ sơ này.")
        specialist = selectors.least_loaded_specialist(agency=agency, department=dossier.current_department)
        if specialist is None:
            raise field_error("specialist", f"{agency.name} chưa có chuyên viên nào.", code="no_specialist")
    return _assign(
        dossier=dossier, actor=actor, specialist=specialist, at=at, expected_version=expected_version
    )


@dataclass
class BulkAssignResult:
    assigned: list[Dossier]
    failed: dict[int, str]


def dossiers_assign_bulk(
    *, dossiers: Iterable[Dossier], actor: User, specialist: User | None = None
) -> BulkAssignResult:
    """Assign several dossiers at once (one transaction each: one refusal does not undo the others).
    Without a specialist each dossier goes to whoever is least loaded at that moment."""
    result = BulkAssignResult(assigned=[], failed={})
    for dossier in dossiers:
        try:
            result.assigned.append(dossier_assign(dossier=dossier, actor=actor, specialist=specialist))
        except ApplicationError as exc:
            result.failed[dossier.pk] = exc.message
    return result
