"""A citizen takes their counter dossiers into their account by proving they hold the receipt."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from portal.constants import IdentitySource
from portal.errors import ApplicationError, NotPermitted
from portal.models import User
from portal.services import user_verify_identity
from procedures.constants import Channel

from .. import selectors
from ..constants import ApplicantKind, DossierState
from ..models import Dossier

CLAIM_REFUSED = (
    "Mã hồ sơ hoặc mã tra cứu không đúng, hoặc hồ sơ không mang số CCCD của tài khoản này. "
    "Kiểm tra lại giấy tiếp nhận hồ sơ."
)


def dossier_claim(*, actor: User, code: str, secret: str, at: dt.datetime) -> list[int]:
    """The code and lookup secret are printed on the receipt the desk hands over after checking the person's
    CCCD, so knowing both for a dossier bearing the account's CCCD proves the account is that person's:
    the account becomes verified and every dossier received for that CCCD without an account joins it.
    Returns the ids of the dossiers attached."""
    if not actor.is_authenticated or actor.is_officer or not actor.cccd:
        raise NotPermitted("Chỉ tài khoản công dân có số CCCD mới nhận hồ sơ về tài khoản.")
    dossier = selectors.dossier_lookup(code=code, secret=secret)
    if (
        dossier is None
        or dossier.applicant_kind != ApplicantKind.CITIZEN
        or dossier.applicant_id_number != actor.cccd
        or dossier.applicant_id not in (None, actor.pk)
        # An online dossier's code and secret are shown to whoever filed it, with no card checked.
        or dossier.channel == Channel.ONLINE
    ):
        raise ApplicationError(CLAIM_REFUSED, code="claim_refused")
    with transaction.atomic():
        user_verify_identity(user=actor, source=IdentitySource.DOSSIER_CLAIM, at=at)
        unowned = Dossier.objects.filter(
            applicant__isnull=True, applicant_kind=ApplicantKind.CITIZEN, applicant_id_number=actor.cccd
        ).exclude(state=DossierState.DRAFT)
        ids = list(unowned.values_list("pk", flat=True))
        Dossier.objects.filter(pk__in=ids).update(applicant=actor)
    return ids
