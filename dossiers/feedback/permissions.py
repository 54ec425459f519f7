"""Who handles a feedback: officers of the agency it was routed to (leaders assign, the assignee or a leader
answers); the administrator and the province leaders see every agency's."""

from __future__ import annotations

from portal.constants import Role
from portal.models import User

from ..models import Feedback

HANDLER_ROLES = (Role.INTAKE_OFFICER, Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER)
ASSIGNING_ROLES = (Role.APPROVER, Role.AGENCY_LEADER)


def handled_agency_ids(user: User) -> set[int] | None:
    """Agencies whose feedback the user handles; None for all (administrator, province leader)."""
    if not user.is_authenticated:
        return set()
    if user.province_role in (Role.ADMINISTRATOR, Role.PROVINCE_LEADER):
        return None
    if not user.is_officer:
        return set()
    return set(
        user.agency_memberships.filter(active=True, role__in=HANDLER_ROLES).values_list(
            "agency_id", flat=True
        )
    )


def can_handle(user: User, feedback: Feedback) -> bool:
    agencies = handled_agency_ids(user)
    return agencies is None or feedback.agency_id in agencies


def can_assign(user: User, feedback: Feedback) -> bool:
    return (
        user.is_authenticated
        and user.is_officer
        and user.agency_memberships.filter(
            active=True, role__in=ASSIGNING_ROLES, agency_id=feedback.agency_id
        ).exists()
    )


def can_answer(user: User, feedback: Feedback) -> bool:
    return user.is_authenticated and (feedback.assignee_id == user.pk or can_assign(user, feedback))


def is_handler_at(user: User, agency_id: int) -> bool:
    return user.agency_memberships.filter(active=True, role__in=HANDLER_ROLES, agency_id=agency_id).exists()
