"""What the dossier core asks of the payments app: an extension point instead of an import.

`payments` sits above `dossiers` (portal ← procedures ← repository ← dossiers ← payments ← reporting), yet
two rules of the dossier core depend on payments:

- whether a dossier may be submitted while its fees are unpaid (a procedure may require paying when filing
  online, unless it lets the applicant pay at the desk);
- the payment box on the dossier page (what is owed, pay online, receipts).

`payments` registers its implementation in `PaymentsConfig.ready()`. Until something is registered nothing
is asked: submission is not held back for fees and the page shows no payment box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Dossier


class SubmissionProblems(Protocol):
    def __call__(self, *, dossier: Dossier) -> list[str]:
        """What stops this dossier from being submitted, as far as payment goes, in the applicant's words."""
        ...


class DossierPanel(Protocol):
    def __call__(self, *, request: HttpRequest, dossier: Dossier) -> str:
        """HTML of the payment box on the dossier page for this person (empty: no box)."""
        ...


@dataclass(frozen=True)
class PaymentHooks:
    submission_problems: SubmissionProblems
    dossier_panel: DossierPanel


_hooks: PaymentHooks | None = None


def register_payment_hooks(hooks: PaymentHooks) -> None:
    global _hooks
    _hooks = hooks


def submission_problems(*, dossier: Dossier) -> list[str]:
    return _hooks.submission_problems(dossier=dossier) if _hooks else []


def dossier_panel(*, request: HttpRequest, dossier: Dossier) -> str:
    return _hooks.dossier_panel(request=request, dossier=dossier) if _hooks else ""
