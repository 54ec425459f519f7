"""Who may see and act on a dossier: plain predicates, used by the transitions, services, views and API.

- Applicants see their own dossiers, and those of an organisation they represent (DOMAIN §1).
- Officers see dossiers received by, or to be handled by, an agency they belong to.
- Officers of an agency that handles the dossier now (or handled it, or received it in an inter-agency
  transfer) see it; specialists, approvers and agency leaders act on it where it currently is.
- An intake officer acts on a dossier received at their desk. Before reception, an online dossier may be
  received at any desk that receives for the procedure: every desk when the version allows intake
  regardless of administrative boundary (tiếp nhận không phụ thuộc địa giới hành chính), otherwise the
  competent agency's own desk or, for an agency without one, the desk serving the same administrative unit
  at the same level (the provincial public-service centre receives for the provincial departments).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.constants import PROVINCE_ROLES, Role
from portal.models import Agency
from procedures.constants import Channel
from procedures.models import ProcedureVersion

from .constants import APPLICANT_EDITABLE_STATES, DeliveryMethod, DossierState

if TYPE_CHECKING:
    from portal.models import User

    from .models import Dossier


def _memberships(user: User) -> list[tuple[int, str]]:
    """(agency id, role) of the officer's active memberships, read once per request."""
    return user.active_memberships()


def intake_agency_ids(user: User) -> set[int]:
    if not (user.is_authenticated and user.is_officer):
        return set()
    return {agency_id for agency_id, role in _memberships(user) if role == Role.INTAKE_OFFICER}


def officer_agency_ids(user: User) -> set[int]:
    """Agencies whose dossiers the officer works on. The postal operator carries dossiers and results but
    reads none of them: its memberships count only for `can_view_for_delivery`."""
    if not (user.is_authenticated and user.is_officer):
        return set()
    return {agency_id for agency_id, role in _memberships(user) if role != Role.POSTAL}


def organisation_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_dossier_organisations", None)
    if cached is None:
        cached = set(user.organisation_memberships.values_list("organisation_id", flat=True))
        user._dossier_organisations = cached
    return cached


def desks_for_version(version: ProcedureVersion) -> QuerySet[Agency]:
    """One-stop desks that may receive dossiers of this procedure version."""
    desks = Agency.objects.filter(active=True, has_one_stop_desk=True)
    if version.intake_any_boundary:
        return desks
    competent = version.competent_agencies.all()
    return desks.filter(
        Q(pk__in=competent.values("pk"))
        | Q(
            administrative_unit__in=competent.filter(has_one_stop_desk=False).values("administrative_unit"),
            level__in=competent.filter(has_one_stop_desk=False).values("level"),
        )
    )


def agencies_served_by(desk_ids: set[int]) -> QuerySet[Agency]:
    """Agencies whose dossiers these desks receive: the desks themselves, and agencies without a desk of
    their own at the same level in the same administrative unit."""
    desks = Agency.objects.filter(pk__in=desk_ids, active=True, has_one_stop_desk=True)
    return Agency.objects.filter(
        Q(pk__in=desks.values("pk"))
        | (
            Q(has_one_stop_desk=False)
            & Exists(
                desks.filter(
                    administrative_unit=OuterRef("administrative_unit"), level=OuterRef("level")
                ).values("pk")
            )
        )
    )


def version_receivable_at(desk_ids: set[int], *, prefix: str = "") -> Q:
    """A filter on procedure versions (or, with `prefix`, on rows pointing at one): receivable at a desk."""
    through = ProcedureVersion.competent_agencies.through
    served = agencies_served_by(desk_ids)
    return Q(**{f"{prefix}intake_any_boundary": True}) | Q(
        Exists(through.objects.filter(procedureversion_id=OuterRef(f"{prefix}pk"), agency__in=served))
    )


def receivable_version_ids(user: User) -> list[int]:
    """Ids of the procedure versions the officer's desks may receive, read once per request (cached on the
    user like the memberships): the desk's queue and counts filter on this short list."""
    cached = getattr(user, "_dossier_receivable_versions", None)
    if cached is None:
        desks = intake_agency_ids(user)
        cached = _receivable_at_desks(desks) if desks else []
        user._dossier_receivable_versions = cached
    return cached


def _receivable_at_desks(desk_ids: set[int]) -> list[int]:
    """The versions receivable at these desks, kept in the cache for DESK_SCOPE_CACHE_SECONDS: building and
    running the query took a fifth of a desk page's time, and the answer moves only with the catalogue (a
    version published or withdrawn, an agency's desk or competence changed), which the desk's queue then
    follows within that time. Receiving, reading and acting on a dossier check the dossier itself."""
    key = "desk-versions:" + ",".join(str(pk) for pk in sorted(desk_ids))
    ids = cache.get(key)
    if ids is None:
        ids = sorted(
            ProcedureVersion.objects.filter(version_receivable_at(desk_ids)).values_list("pk", flat=True)
        )
        cache.set(key, ids, settings.DESK_SCOPE_CACHE_SECONDS)
    return ids


def versions_receivable_at(user: User) -> Q:
    """A filter on dossiers: their procedure version may be received at one of the officer's desks.

    A list of version ids, not a join to the versions: OR-ed with the desk's own dossiers in the desk's
    scope, a condition across a join made PostgreSQL spend 15–30 ms planning each query of the desk's page
    (it tries the OR's arms against every index of the dossier table)."""
    return Q(procedure_version_id__in=receivable_version_ids(user))


PROCESSING_ROLES = (Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER)
# Department heads and agency leaders assign specialists, approve, sign and stop processing.
LEADING_ROLES = (Role.APPROVER, Role.AGENCY_LEADER)


def processing_agency_ids(user: User) -> set[int]:
    """Agencies where the officer appraises, approves or leads."""
    if not (user.is_authenticated and user.is_officer):
        return set()
    return {agency_id for agency_id, role in _memberships(user) if role in PROCESSING_ROLES}


def specialist_agency_ids(user: User) -> set[int]:
    if not (user.is_authenticated and user.is_officer):
        return set()
    return {agency_id for agency_id, role in _memberships(user) if role == Role.SPECIALIST}


def leading_agency_ids(user: User) -> set[int]:
    if not (user.is_authenticated and user.is_officer):
        return set()
    return {agency_id for agency_id, role in _memberships(user) if role in LEADING_ROLES}


def can_view(user: User, dossier: Dossier) -> bool:
    if not user.is_authenticated:
        return False
    if can_act_as_applicant(user, dossier):
        return True
    if dossier.state == DossierState.DRAFT:
        return dossier.created_by_id == user.pk
    if user.province_role in PROVINCE_ROLES:
        return True
    agencies = officer_agency_ids(user)
    if not agencies:
        return False
    if {dossier.receiving_agency_id, dossier.competent_agency_id, dossier.current_agency_id} & agencies:
        return True
    if dossier.pk and dossier.transfers.filter(to_agency__in=agencies).exists():
        return True
    return can_intake(user, dossier)


def is_handler(user: User, dossier: Dossier) -> bool:
    """The specialist the dossier is assigned to, while it is in their hands."""
    return user.is_authenticated and dossier.current_handler_id == user.pk and user.is_officer


def can_lead(user: User, dossier: Dossier) -> bool:
    """A department head or leader of the agency where the dossier is now: assigns, approves, signs.

    Departments are informational: catalogue department names do not always match staff records, so any
    head of the agency may act (the step's department is shown and preferred when assigning)."""
    return dossier.current_agency_id is not None and dossier.current_agency_id in leading_agency_ids(user)


def can_decide(user: User, dossier: Dossier) -> bool:
    """Decisions of the competent agency's leadership: stopping processing, approving an apology."""
    agencies = leading_agency_ids(user)
    return bool(agencies) and (
        dossier.competent_agency_id in agencies or dossier.current_agency_id in agencies
    )


def can_draft_apology(user: User, dossier: Dossier) -> bool:
    """The officer responsible for a running dossier: its specialist, its agency's officers and leaders, or
    the desk that received it."""
    return (
        is_handler(user, dossier)
        or can_work_at_current_agency(user, dossier)
        or can_decide(user, dossier)
        or dossier.receiving_agency_id in intake_agency_ids(user)
    )


def can_work_at_current_agency(user: User, dossier: Dossier) -> bool:
    """An officer of the agency holding the dossier now (e.g. the agency it was transferred to)."""
    return dossier.current_agency_id is not None and dossier.current_agency_id in processing_agency_ids(user)


def can_deliver(user: User, dossier: Dossier) -> bool:
    """The desk that received the dossier returns the result; an electronic result is placed in the
    applicant's Kho by the leader who signs it."""
    if dossier.receiving_agency_id in intake_agency_ids(user):
        return True
    return dossier.delivery_method == DeliveryMethod.ELECTRONIC and can_lead(user, dossier)


def can_supplement(user: User, dossier: Dossier) -> bool:
    """The applicant online, or the desk that received the dossier when the papers are brought in person."""
    return can_act_as_applicant(user, dossier) or dossier.receiving_agency_id in intake_agency_ids(user)


def can_message(user: User, dossier: Dossier) -> bool:
    """The applicant, and officers of an agency that received, handles or handled the dossier."""
    if dossier.state == DossierState.DRAFT or not user.is_authenticated:
        return False
    if can_act_as_applicant(user, dossier):
        return True
    agencies = officer_agency_ids(user)
    if {dossier.receiving_agency_id, dossier.competent_agency_id, dossier.current_agency_id} & agencies:
        return True
    return bool(agencies) and dossier.transfers.filter(to_agency__in=agencies).exists()


def can_act_as_applicant(user: User, dossier: Dossier) -> bool:
    """The applicant, or a representative of the organisation the dossier was filed for."""
    if not user.is_authenticated:
        return False
    if dossier.applicant_id is not None and dossier.applicant_id == user.pk:
        return True
    return dossier.organisation_id is not None and dossier.organisation_id in organisation_ids(user)


def can_edit_as_applicant(user: User, dossier: Dossier) -> bool:
    return dossier.state in APPLICANT_EDITABLE_STATES and can_act_as_applicant(user, dossier)


def intake_desks_of(user: User, dossier: Dossier) -> list[int]:
    """The user's desks at which this dossier may be received (or was received)."""
    mine = intake_agency_ids(user)
    if not mine:
        return []
    if dossier.received_at is not None or dossier.state == DossierState.DRAFT:
        # Received (or being created at the counter): only the receiving desk acts on it.
        if dossier.state == DossierState.DRAFT and dossier.receiving_agency_id in mine:
            allowed = set(desks_for_version(dossier.procedure_version).values_list("pk", flat=True))
            return [dossier.receiving_agency_id] if dossier.receiving_agency_id in allowed else []
        return [dossier.receiving_agency_id] if dossier.receiving_agency_id in mine else []
    allowed = set(
        desks_for_version(dossier.procedure_version).filter(pk__in=mine).values_list("pk", flat=True)
    )
    ordered = sorted(allowed, key=lambda pk: (pk != dossier.receiving_agency_id, pk))
    return ordered


def can_intake(user: User, dossier: Dossier) -> bool:
    return bool(intake_desks_of(user, dossier))


def postal_agency_ids(user: User) -> set[int]:
    if not (user.is_authenticated and user.is_officer):
        return set()
    return {agency_id for agency_id, role in _memberships(user) if role == Role.POSTAL}


def can_view_for_delivery(user: User, dossier: Dossier) -> bool:
    """The postal operator of the receiving desk, for a dossier handed to the post: received by post, or
    whose result goes back by post. It sees what carrying needs (code, procedure, name, address, phone,
    appointment) and nothing else: no files, no forms, no identity number, no lookup secret, no messages."""
    if dossier.received_at is None or dossier.receiving_agency_id not in postal_agency_ids(user):
        return False
    return dossier.channel == Channel.POSTAL or dossier.delivery_method == DeliveryMethod.POST


def can_use_intake_desk(user: User) -> bool:
    return bool(intake_agency_ids(user))
