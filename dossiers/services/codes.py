"""Dossier codes and lookup secrets, issued in the reception's transaction.

The daily counter row of a desk is the one row every reception at that desk writes, and its lock is held
until the transaction commits (that is what keeps codes gap-free). So a reception takes its number as the
very last statement of its transaction: everything else — checks, the dossier row, the event and handover,
scanned files — is written first under a provisional code, then `dossier_code_assign` takes the number and
writes the real code, and the transaction commits. Parallel desks wait on each other only for that moment.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..constants import LOOKUP_SECRET_ALPHABET, LOOKUP_SECRET_LENGTH
from ..models import Dossier, DossierCodeCounter

if TYPE_CHECKING:
    from portal.models import Agency, User

DEFAULT_CODE_PATTERN = "{agency}-{date:%y%m%d}-{number:04d}"


def dossier_code_issue(*, agency: Agency, on: dt.date) -> tuple[str, int]:
    """Next dossier code of `agency` for day `on`: `<agency code>-<YYMMDD>-<NNNN>` (TT 01/2018/TT-VPCP,
    Điều 26; the pattern is the setting DOSSIER_CODE_PATTERN because TT 03/2025/TT-VPCP may change it).

    Gap-free per agency and day: the counter row is locked (`select_for_update`) and incremented in the
    caller's transaction, so a rolled-back reception gives its number back. The first reception of a day
    creates the row in a savepoint; a concurrent creator waits on the unique index, fails, and then locks
    the row the winner created. On SQLite every write transaction is IMMEDIATE, which serialises them.
    """
    with transaction.atomic():
        counter = DossierCodeCounter.objects.select_for_update().filter(agency=agency, date=on).first()
        if counter is None:
            try:
                with transaction.atomic():
                    counter = DossierCodeCounter.objects.create(agency=agency, date=on, last_number=0)
            except IntegrityError:
                counter = DossierCodeCounter.objects.select_for_update().get(agency=agency, date=on)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    pattern = getattr(settings, "DOSSIER_CODE_PATTERN", "") or DEFAULT_CODE_PATTERN
    return pattern.format(agency=agency.code, date=on, number=counter.last_number), counter.last_number


def _new_lookup_secret() -> str:
    return "".join(secrets.choice(LOOKUP_SECRET_ALPHABET) for _ in range(LOOKUP_SECRET_LENGTH))


PROVISIONAL_PREFIX = "~"


def provisional_code() -> str:
    """A unique placeholder for the code of a dossier received in a transaction that has not yet taken its
    number (a received dossier must have a code); replaced by `dossier_code_assign` before commit."""
    return PROVISIONAL_PREFIX + secrets.token_hex(16)


def dossier_code_assign(*, dossier: Dossier, agency: Agency, at: dt.datetime) -> str:
    """Take the desk's next number for the local day of `at` and write the dossier's code and register
    number. Call it as the last statement of the reception's transaction: the counter row stays locked from
    here to the commit."""
    code, number = dossier_code_issue(agency=agency, on=timezone.localdate(at))
    Dossier.objects.filter(pk=dossier.pk).update(code=code, register_number=number)
    dossier.code, dossier.register_number = code, number
    return code


def reception_arguments(
    *, actor: User, desk: Agency, at: dt.datetime, issue_code: bool = True
) -> dict[str, Any]:
    """The transition arguments every reception decision shares (reception, refusal, counter and postal
    intake): who received it, at which desk and when, the dossier code and a new lookup secret.

    With `issue_code` the desk's next code for the day is taken now (call it only once the change will
    happen); without it the code is provisional and the caller ends its transaction with
    `dossier_code_assign`, so that the counter is held only from the number to the commit."""
    if issue_code:
        code, number = dossier_code_issue(agency=desk, on=timezone.localdate(at))
    else:
        code, number = provisional_code(), None
    return {
        "at": at,
        "by": actor,
        "agency": desk,
        "code": code,
        "number": number,
        "secret": _new_lookup_secret(),
    }


def submission_reference(*, desk: Agency, at: dt.datetime) -> dict[str, Any]:
    """An online dossier's code and lookup secret, given at submission as the national portal does: the
    desk's next code for the day, kept when that desk receives it (or refuses it)."""
    code, number = dossier_code_issue(agency=desk, on=timezone.localdate(at))
    return {"code": code, "number": number, "secret": _new_lookup_secret()}
