"""Who may read the dossier archive (Kho dữ liệu hồ sơ TTHC): the administrator, and officers of the agencies
that received, handle or handled a dossier (including one it was transferred to)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from portal.constants import Role
from portal.models import User

from ..constants import DossierState
from ..models import Dossier, DossierTransfer

# Officers of the dossier's agencies who may take its files out of the archive. The postal operator carries
# dossiers but has no business reading them.
ARCHIVE_ROLES = (Role.INTAKE_OFFICER, Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER)


def is_archive_administrator(user: User) -> bool:
    return user.is_authenticated and user.province_role == Role.ADMINISTRATOR


def archive_agency_ids(user: User) -> set[int]:
    """Agencies whose dossiers the officer may read in the archive."""
    if not user.is_authenticated or not user.is_officer:
        return set()
    cached = getattr(user, "_archive_agency_ids", None)
    if cached is None:
        cached = set(
            user.agency_memberships.filter(active=True, role__in=ARCHIVE_ROLES).values_list(
                "agency_id", flat=True
            )
        )
        user._archive_agency_ids = cached
    return cached


def can_use_archive(user: User) -> bool:
    return is_archive_administrator(user) or bool(archive_agency_ids(user))


def archive_scope(agency_ids: set[int]):
    """A filter on dossiers: received, handled or being handled by one of these agencies, or transferred to one
    of them for coordination (liên thông)."""
    transferred = DossierTransfer.objects.filter(dossier=OuterRef("pk"), to_agency__in=agency_ids)
    return (
        Q(receiving_agency__in=agency_ids)
        | Q(competent_agency__in=agency_ids)
        | Q(current_agency__in=agency_ids)
        | Exists(transferred)
    )


def can_view_archive(user: User, dossier: Dossier) -> bool:
    """The administrator, or an officer of an agency that received, handles or handled the dossier (including
    one it was transferred to). Drafts are not dossiers yet and are never in the archive."""
    if not user.is_authenticated or dossier.state == DossierState.DRAFT:
        return False
    if is_archive_administrator(user):
        return True
    agencies = archive_agency_ids(user)
    if not agencies:
        return False
    if {dossier.receiving_agency_id, dossier.competent_agency_id, dossier.current_agency_id} & agencies:
        return True
    return dossier.transfers.filter(to_agency__in=agencies).exists()
