"""Who may see and handle payments: the payer and the dossier's viewers see a payment; the agency's finance
officers (kế toán) see the agency's list, export it and refund."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dossiers import permissions as dossier_permissions
from portal.constants import Role

if TYPE_CHECKING:
    from portal.models import Agency, User

    from .models import Payment


def finance_agency_ids(user: User) -> set[int]:
    if not user.is_authenticated or not user.is_officer:
        return set()
    return set(
        user.agency_memberships.filter(active=True, role=Role.FINANCE_OFFICER).values_list(
            "agency_id", flat=True
        )
    )


def can_manage_finance(user: User, agency: Agency) -> bool:
    return agency.pk in finance_agency_ids(user)


def can_view_payment(user: User, payment: Payment) -> bool:
    if not user.is_authenticated:
        return False
    if can_manage_finance(user, payment.agency):
        return True
    return dossier_permissions.can_view(user, payment.dossier)
