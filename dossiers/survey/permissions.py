"""Who may answer a dossier's survey: its applicant online; at the desk, an intake officer of the desk that
received it, who hands the tablet to the person. Who may read the results."""

from __future__ import annotations

from portal.constants import Role
from portal.models import User

from .. import permissions as dossier_permissions
from ..models import Dossier

RESULT_ROLES = (Role.APPROVER, Role.AGENCY_LEADER, Role.INTAKE_OFFICER)


def can_rate_online(user: User, dossier: Dossier) -> bool:
    return (
        user.is_authenticated
        and not user.is_officer
        and dossier_permissions.can_act_as_applicant(user, dossier)
    )


def can_host_desk_survey(user: User, dossier: Dossier) -> bool:
    return (
        user.is_authenticated
        and user.is_officer
        and dossier.receiving_agency_id is not None
        and user.agency_memberships.filter(
            active=True, role=Role.INTAKE_OFFICER, agency_id=dossier.receiving_agency_id
        ).exists()
    )


def result_agency_ids(user: User) -> set[int] | None:
    """Agencies whose results the user may read; None for every agency (province leaders, administrator)."""
    if not user.is_authenticated:
        return set()
    if user.province_role in (Role.PROVINCE_LEADER, Role.ADMINISTRATOR):
        return None
    if not user.is_officer:
        return set()
    return set(
        user.agency_memberships.filter(active=True, role__in=RESULT_ROLES).values_list("agency_id", flat=True)
    )
