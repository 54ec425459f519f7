"""Handovers along the internal process (quy trình nội bộ): who holds the dossier for which step, until
when, and whether each step finished early, on time or late. Plain helpers called by the transitions
inside their transaction."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings

from portal.constants import Role
from portal.working_time import WorkingCalendar, load_calendar
from procedures.models import ProcessStep

from .. import deadlines, selectors
from ..models import Dossier, DossierEvent, DossierHandover, Route

if TYPE_CHECKING:
    from portal.models import Agency, User

DESK_DEPARTMENT = "Bộ phận tiếp nhận và trả kết quả"


def payment_stops_clock() -> bool:
    return bool(getattr(settings, "DOSSIER_PAYMENT_STOPS_CLOCK", True))


def open_handover(dossier: Dossier) -> DossierHandover | None:
    return DossierHandover.objects.open().filter(dossier=dossier).order_by("-handed_at", "-id").first()


def close_open_handover(dossier: Dossier, *, at: dt.datetime) -> DossierHandover | None:
    previous = open_handover(dossier)
    if previous is not None:
        previous.close(at=at, outcome=deadlines.outcome(finished_at=at, due_at=previous.step_due_at))
    return previous


def step_due(
    dossier: Dossier,
    step: ProcessStep | None,
    at: dt.datetime,
    *,
    calendar: WorkingCalendar,
    previous: DossierHandover | None = None,
    minutes: float | None = None,
) -> dt.datetime | None:
    """The step's deadline: its share of the legal time from the handover (NĐ 118/2025/NĐ-CP: each step of
    the internal process has its time), never after the dossier's own appointment. A step that continues
    with another officer (reassignment) keeps its deadline; `minutes` overrides the share (time left)."""
    if previous is not None and step is not None and previous.step_id == step.pk and previous.step_due_at:
        return previous.step_due_at
    if minutes is None and step is not None:
        total = selectors.total_working_minutes(
            version=dossier.procedure_version, channel=dossier.channel, calendar=calendar
        )
        minutes = deadlines.step_share_minutes(step.share_percent, total)
    return deadlines.step_due(handed_at=at, minutes=minutes, dossier_due_at=dossier.due_at, calendar=calendar)


def hand_over(
    *,
    dossier: Dossier,
    event: DossierEvent,
    from_user: User | None,
    to_user: User | None = None,
    to_agency: Agency | None = None,
    to_department: str = "",
    to_role: str = "",
    step: ProcessStep | None = None,
    step_due_at: dt.datetime | None = None,
    due_from_step: bool = True,
    minutes: float | None = None,
    note: str = "",
    final: bool = False,
    calendar: WorkingCalendar | None = None,
) -> DossierHandover:
    """Close the open handover (its outcome against its step deadline) and append the next one.

    `final` rows (the result handed to the applicant) are closed at once, their outcome measured against
    the dossier's appointment.
    """
    at = event.at
    calendar = calendar or load_calendar()
    previous = close_open_handover(dossier, at=at)
    if due_from_step:
        step_due_at = step_due(dossier, step, at, calendar=calendar, previous=previous, minutes=minutes)
    return DossierHandover.objects.create(
        dossier=dossier,
        event=event,
        action=event.action,
        step=step,
        from_user=from_user,
        from_agency=previous.to_agency if previous else dossier.receiving_agency,
        to_user=to_user,
        to_agency=to_agency,
        to_department=to_department,
        to_role=to_role,
        handed_at=at,
        step_due_at=step_due_at,
        completed_at=at if final else None,
        outcome=deadlines.outcome(finished_at=at, due_at=step_due_at) if final else "",
        note=note,
    )


def hand_over_along_route(
    *,
    dossier: Dossier,
    event: DossierEvent,
    actor: User | None,
    step: ProcessStep | None,
    minutes: float | None = None,
    note: str = "",
    calendar: WorkingCalendar,
) -> DossierHandover:
    """The handover to where the transition has just routed the dossier (its current agency, department,
    role and officer), for `step` of the internal process."""
    return hand_over(
        dossier=dossier,
        event=event,
        from_user=actor,
        to_user=dossier.current_handler,
        to_agency=dossier.current_agency,
        to_department=dossier.current_department,
        to_role=dossier.current_role,
        step=step,
        minutes=minutes,
        note=note,
        calendar=calendar,
    )


def route_keeping_handler(locked: Dossier, role: str) -> Route:
    """The same agency, department and officer; only who is expected to act changes (the applicant while
    the dossier waits for them, the specialist when it comes back)."""
    return Route(
        agency=locked.current_agency,
        department=locked.current_department,
        role=role,
        handler=locked.current_handler,
    )


def hand_to_applicant(
    *, dossier: Dossier, event: DossierEvent, actor: User, note: str, calendar: WorkingCalendar
) -> DossierHandover:
    """The dossier waits for the applicant (to supplement or to pay): no step deadline runs meanwhile."""
    return hand_over(
        dossier=dossier,
        event=event,
        from_user=actor,
        to_user=dossier.applicant,
        to_role=Role.CITIZEN,
        due_from_step=False,
        step_due_at=None,
        note=note,
        calendar=calendar,
    )


def hand_back_after_wait(
    *,
    dossier: Dossier,
    event: DossierEvent,
    actor: User | None,
    request: DossierEvent | None,
    resume_step_time: bool = True,
    note: str = "",
    calendar: WorkingCalendar,
) -> DossierHandover:
    """Back to the specialist once the applicant has supplemented or paid, for the step that was open when
    `request` asked them (its id is kept in the request's payload). With `resume_step_time` the step's
    deadline runs on from the working time it had left when the clock stopped, instead of a fresh share."""
    payload = request.payload if request else {}
    step = ProcessStep.objects.filter(pk=payload.get("step_id")).first() if payload.get("step_id") else None
    return hand_over_along_route(
        dossier=dossier,
        event=event,
        actor=actor,
        step=step,
        minutes=payload.get("step_remaining_minutes") if resume_step_time else None,
        note=note,
        calendar=calendar,
    )


def remaining_step_minutes(dossier: Dossier, at: dt.datetime, calendar: WorkingCalendar) -> tuple:
    current = open_handover(dossier)
    if current is None or current.step_due_at is None:
        return (current.step_id if current else None), None
    return current.step_id, deadlines.minutes_left(now=at, due_at=current.step_due_at, calendar=calendar)
