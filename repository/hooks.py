"""What Kho dữ liệu asks of the dossiers app: an explicit extension point instead of an import.

The apps are layered (an arrow reads "may be imported by"): portal ← procedures ← repository ← dossiers ←
payments ← reporting. `repository` may not import `dossiers`, yet a few of its rules depend on a dossier:

- an officer reads a person's documents when the person has a dossier at the officer's agency
  (NĐ 13/2023/NĐ-CP: a reason in the officer's own agency);
- a digitisation job made for a dossier component must name a dossier the digitising agency takes part in,
  and a component of that dossier's procedure, for the dossier's own applicant;
- the PDF of such a job is put into that dossier component, marked digitised (TT 01/2023/TT-VPCP).

So `repository` declares here what it needs (`DossierHooks`) and `dossiers` registers its implementation in
`DossiersConfig.ready()` (see `dossiers/repository_hooks.py`). Until something is registered — a process that
never loads the dossiers app — the answers are the safe ones: no officer reads through a dossier, no job can
be made for a dossier, and a finished job waits to be attached (the nightly sweep retries it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from portal.models import Agency, Organisation, User
    from procedures.models import ProcedureVersion

    from .models import DocumentVersion, StoredDocument


class DossierLike(Protocol):
    """What the repository reads of a dossier it is handed."""

    pk: int
    applicant: User | None
    organisation: Organisation | None
    procedure_version: ProcedureVersion


class HasPk(Protocol):
    pk: int


class ApplicantHasDossierAt(Protocol):
    def __call__(
        self, *, applicant_user_id: int | None, organisation_id: int | None, agency_ids: set[int]
    ) -> bool:
        """Whether the person (or organisation) has a dossier received or handled by one of `agency_ids`."""
        ...


class DossierForOfficer(Protocol):
    def __call__(self, *, user: User, dossier_id: int) -> DossierLike | None:
        """The filed dossier, when the officer's agencies received, handle or handled it; else None."""
        ...


class CheckDigitisationTarget(Protocol):
    def __call__(
        self, *, agency: Agency, owner: User | Organisation, dossier_id: int, component_id: int
    ) -> None:
        """Raise ApplicationError (NotPermitted for another agency's dossier) unless a job of `agency` may
        digitise, for `owner`, the component `component_id` of the dossier `dossier_id`."""
        ...


class AttachDigitised(Protocol):
    def __call__(
        self,
        *,
        dossier_id: int,
        component_id: int,
        document: StoredDocument,
        version: DocumentVersion,
        actor: User | None,
    ) -> HasPk:
        """Copy the version's file into the dossier as a file of that component marked digitised, in the
        caller's transaction, and return the dossier file. Idempotent (the same content for the same component
        returns the existing file); raises ApplicationError when the dossier cannot take it."""
        ...


@dataclass(frozen=True)
class DossierHooks:
    applicant_has_dossier_at: ApplicantHasDossierAt
    dossier_for_officer: DossierForOfficer
    check_digitisation_target: CheckDigitisationTarget
    attach_digitised: AttachDigitised


_registered: DossierHooks | None = None


def register_dossier_hooks(hooks: DossierHooks) -> None:
    """Called once by the dossiers app when Django starts; a second call replaces the first."""
    global _registered
    _registered = hooks


def dossier_hooks() -> DossierHooks | None:
    """The registered implementation, or None when the dossiers app is not loaded."""
    return _registered
