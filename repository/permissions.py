"""Who may act for an owner and who may read a stored document.

Citizens see their own documents and those of the organisations they represent. An officer reads a person's
documents only when there is a reason in the officer's own agency: the agency issued or digitised the
document, or the person has a dossier at the agency (asked of the dossiers app, see
`officer_has_dossier_of_owner`). Every other officer is refused (NĐ 13/2023/NĐ-CP on personal data).
"""

from __future__ import annotations

import importlib

from portal.constants import Role
from portal.models import Agency, Organisation, User

from .models import StoredDocument

DIGITISING_ROLES = (Role.INTAKE_OFFICER, Role.SPECIALIST)
REVOKING_ROLES = (Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER)


def user_acts_for(user: User, owner: User | Organisation) -> bool:
    if not user.is_authenticated:
        return False
    if isinstance(owner, Organisation):
        return owner.members.filter(user=user).exists()
    return owner.pk == user.pk


def owner_agency_ids(user: User) -> set[int]:
    if not user.is_authenticated or not user.is_officer:
        return set()
    return set(user.agencies().values_list("pk", flat=True))


def officer_has_dossier_of_owner(
    officer: User, *, owner_user_id: int | None, owner_organisation_id: int | None, agency_ids: set[int]
) -> bool:
    """Ask the dossiers app whether the owner has a dossier received or handled by one of `agency_ids`.

    The contract is `dossiers.selectors.applicant_has_dossier_at(*, applicant_user_id, organisation_id,
    agency_ids) -> bool`. Until that selector exists the answer is no: refusing is the safe default.
    """
    if not agency_ids:
        return False
    try:
        selectors = importlib.import_module("dossiers.selectors")
    except ModuleNotFoundError:
        return False
    check = getattr(selectors, "applicant_has_dossier_at", None)
    if check is None:
        return False
    return bool(
        check(applicant_user_id=owner_user_id, organisation_id=owner_organisation_id, agency_ids=agency_ids)
    )


def can_read_document(user: User, document: StoredDocument) -> bool:
    if not user.is_authenticated:
        return False
    if user_acts_for(user, document.owner):
        return document.deleted_at is None
    agency_ids = owner_agency_ids(user)
    if not agency_ids:
        return False
    if document.deleted_at is not None and not document.uses.exists():
        return False  # deleted by its owner and never filed: its file is gone
    if document.issuing_agency_id in agency_ids or document.digitised_by_agency_id in agency_ids:
        return True
    return officer_has_dossier_of_owner(
        user,
        owner_user_id=document.owner_user_id,
        owner_organisation_id=document.owner_organisation_id,
        agency_ids=agency_ids,
    )


def is_owner_side(user: User, document: StoredDocument) -> bool:
    return user_acts_for(user, document.owner)


def can_digitise(user: User, agency: Agency) -> bool:
    return user.is_authenticated and any(user.has_role(role, agency) for role in DIGITISING_ROLES)


def digitising_agencies(user: User):
    if not user.is_authenticated or not user.is_officer:
        return Agency.objects.none()
    return Agency.objects.filter(
        memberships__user=user, memberships__active=True, memberships__role__in=DIGITISING_ROLES
    ).distinct()


def can_revoke(user: User, document: StoredDocument) -> bool:
    """Only the agency that issued or digitised a document may revoke it."""
    agencies = [a for a in (document.issuing_agency, document.digitised_by_agency) if a is not None]
    return any(user.has_role(role, agency) for agency in agencies for role in REVOKING_ROLES)


# --- Kho dữ liệu hồ sơ TTHC (the dossier archive) -------------------------------------------------------

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
    from django.db.models import Exists, OuterRef, Q

    from dossiers.models import DossierTransfer

    transferred = DossierTransfer.objects.filter(dossier=OuterRef("pk"), to_agency__in=agency_ids)
    return (
        Q(receiving_agency__in=agency_ids)
        | Q(competent_agency__in=agency_ids)
        | Q(current_agency__in=agency_ids)
        | Exists(transferred)
    )


def can_view_archive(user: User, dossier) -> bool:
    """The administrator, or an officer of an agency that received, handles or handled the dossier (including
    one it was transferred to). Drafts are not dossiers yet and are never in the archive."""
    from dossiers.constants import DossierState

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
