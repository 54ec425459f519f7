"""Who may act for an owner and who may read a stored document.

Citizens see their own documents and those of the organisations they represent. An officer reads a person's
document only for a reason in the officer's own work: the agency issued or digitised the document, or the
document came out of or was filed in a dossier the officer handles, or the owner lets agencies reuse it and a
dossier of the owner that the officer handles asks for its type (asked of the dossiers app through
`repository.hooks`, see `officer_handles_document_dossier`). Holding one dossier of a person opens none of the
person's other documents, and the postal operator reads none (NĐ 13/2023/NĐ-CP on personal data).
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
    """Agencies in which the officer works on documents (the postal operator carries, it does not read)."""
    if not user.is_authenticated or not user.is_officer:
        return set()
    return set(
        user.agency_memberships.filter(active=True)
        .exclude(role=Role.POSTAL)
        .values_list("agency_id", flat=True)
    )


def officer_handles_document_dossier(officer: User, document: StoredDocument) -> bool:
    """Ask the dossiers app (`DossierHooks.officer_handles_dossier`) whether the officer handles a dossier the
    document came out of or was filed in. Without the dossiers app the answer is no: refusing is the safe
    default."""
    hooks = dossier_hooks()
    if hooks is None:
        return False
    dossier_ids = set(document.uses.values_list("dossier_id", flat=True))
    if document.origin_dossier_id:
        dossier_ids.add(document.origin_dossier_id)
    # A document the owner lets agencies reuse also opens to the officer of a dossier that asks for its type.
    reusable = document.consent_to_reuse and document.revoked_at is None and bool(document.document_type_code)
    return bool(
        hooks.officer_handles_dossier(
            user=officer,
            dossier_ids=dossier_ids,
            owner_user_id=document.owner_user_id if reusable else None,
            owner_organisation_id=document.owner_organisation_id if reusable else None,
            component_code=document.document_type_code if reusable else "",
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
    return officer_handles_document_dossier(user, document)


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
