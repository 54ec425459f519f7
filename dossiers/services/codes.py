"""Dossier codes and lookup secrets, issued in the reception's transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..constants import LOOKUP_SECRET_ALPHABET, LOOKUP_SECRET_LENGTH
from ..models import DossierCodeCounter

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


def reception_arguments(*, actor: User, desk: Agency, at: dt.datetime) -> dict[str, Any]:
    """The transition arguments every reception decision shares (reception, refusal, counter and postal
    intake): who received it, at which desk and when, the desk's next dossier code for the day and a new
    lookup secret. Call it only once the change will happen, since the code is taken from the counter."""
    code, number = dossier_code_issue(agency=desk, on=timezone.localdate(at))
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
