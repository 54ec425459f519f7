"""Who may act for an owner and who may read a stored document.

Citizens see their own documents and those of the organisations they represent. An officer reads a person's
documents only when there is a reason in the officer's own agency: the agency issued or digitised the
document, or the person has a dossier at the agency (asked of the dossiers app through `repository.hooks`,
see `officer_has_dossier_of_owner`). Every other officer is refused (NĐ 13/2023/NĐ-CP on personal data).
"""

from __future__ import annotations

from portal.constants import Role
from portal.models import Agency, Organisation, User

from .hooks import dossier_hooks
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
    """Ask the dossiers app (`DossierHooks.applicant_has_dossier_at`) whether the owner has a dossier received or
    handled by one of `agency_ids`. Without the dossiers app the answer is no: refusing is the safe default."""
    hooks = dossier_hooks()
    if not agency_ids or hooks is None:
        return False
    return bool(
        hooks.applicant_has_dossier_at(
            applicant_user_id=owner_user_id, organisation_id=owner_organisation_id, agency_ids=agency_ids
        )
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
