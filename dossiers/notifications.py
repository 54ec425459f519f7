"""What each dossier event tells whom: the events that matter to the applicant become notifications, written
by `notifications.services.notify` in the event's own transaction (called from `services.core.record_event`) —
or, for a counter or postal dossier whose applicant has no account, by `notify_contacts` to the phone and
e-mail written on the dossier — and officers get a daily digest of the dossiers they handle that are due soon
or overdue.

The payments module moves a dossier through the same transitions (REQUEST_PAYMENT: fee due,
RECORD_PAYMENT: paid and resumed), so those notifications come from here too; a module that has its own
event (a survey invitation) calls `notifications.services.notify` with its kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from notifications import services as notifications
from notifications.constants import Kind
from portal.models import User

from . import selectors
from .constants import DeadlineStatus, EventAction
from .models import Dossier, DossierEvent

A = EventAction
KIND_FOR_ACTION: dict[str, str] = {
    A.SUBMIT: Kind.SUBMITTED,
    A.RECEIVE: Kind.RECEIVED,
    A.RECEIVE_AT_COUNTER: Kind.RECEIVED,
    A.RECEIVE_BY_POST: Kind.RECEIVED,
    A.REFUSE: Kind.REFUSED,
    A.REQUEST_COMPLETION: Kind.SUPPLEMENT_REQUESTED,
    A.REQUEST_SUPPLEMENT: Kind.SUPPLEMENT_REQUESTED,
    A.COMPLETE: Kind.SUPPLEMENT_ACCEPTED,
    A.SUPPLEMENT: Kind.SUPPLEMENT_ACCEPTED,
    A.REQUEST_PAYMENT: Kind.FEE_DUE,
    A.RECORD_PAYMENT: Kind.FEE_PAID,
    A.FEE_EXEMPTION_REFUSED: Kind.FEE_EXEMPTION_REFUSED,
    A.APOLOGY: Kind.APOLOGY,
    A.TRANSFER: Kind.TRANSFERRED,
    A.APPROVE: Kind.RESULT_READY,
    A.DELIVER: Kind.DELIVERED,
    A.MESSAGE: Kind.OFFICER_MESSAGE,
}


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return timezone.localtime(value).strftime("%d/%m/%Y")


def _money(value) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return ""
    return f"{amount:,.0f} ₫".replace(",", ".")


def event_context(dossier: Dossier, event: DossierEvent) -> dict:
    agency = dossier.competent_agency or dossier.receiving_agency
    payload = event.payload or {}
    return {
        "code": dossier.code or "",
        "procedure": dossier.procedure_version.name,
        "agency": agency.name if agency else "",
        "due_date": _date(payload.get("new_due_at") or dossier.due_at),
        "reason": event.reason if event.action != A.MESSAGE else "",
        "message": event.reason if event.action == A.MESSAGE else "",
        "amount": _money(payload.get("amount")),
    }


# What a person without an account (a counter or postal dossier) is told, by SMS and e-mail to the phone and
# address written on the dossier: the events that ask or tell them something. Online submission needs an
# account, and officers' messages are read on the portal.
CONTACT_KINDS = frozenset(
    {
        Kind.RECEIVED,
        Kind.REFUSED,
        Kind.SUPPLEMENT_REQUESTED,
        Kind.SUPPLEMENT_ACCEPTED,
        Kind.FEE_DUE,
        Kind.FEE_PAID,
        Kind.APOLOGY,
        Kind.TRANSFERRED,
        Kind.RESULT_READY,
        Kind.DELIVERED,
    }
)


def dossier_notify_event(*, dossier: Dossier, event: DossierEvent) -> None:
    """Write the notifications of one event (in the event's transaction): for the applicant's account, or —
    a dossier without an account (walk-in, postal) — by SMS / e-mail to the applicant's phone and address
    (CONTACT_KINDS only). A message from the applicant tells nobody."""
    kind = KIND_FOR_ACTION.get(event.action)
    if kind is None:
        return
    if event.action == A.MESSAGE and (event.payload or {}).get("from_applicant"):
        return
    if not dossier.applicant_id:
        if kind in CONTACT_KINDS and (dossier.applicant_phone or dossier.applicant_email):
            notifications.notify_contacts(
                kind=kind,
                event_key=f"dossier-event:{event.pk}",
                contacts=[
                    notifications.Contact(
                        name=dossier.applicant_name,
                        phone=dossier.applicant_phone,
                        email=dossier.applicant_email,
                    )
                ],
                context=event_context(dossier, event),
                dossier_id=dossier.pk,
                dossier_code=dossier.code or "",
                link=reverse("dossiers:lookup"),
            )
        return
    notifications.notify(
        kind=kind,
        event_key=f"dossier-event:{event.pk}",
        recipients=[dossier.applicant],
        context=event_context(dossier, event),
        dossier_id=dossier.pk,
        dossier_code=dossier.code or "",
        link=reverse("dossiers:detail", kwargs={"pk": dossier.pk}),
    )


def deadline_digests_send(*, now: dt.datetime | None = None) -> int:
    """One digest a day to each officer handling running dossiers marked due soon or overdue by the deadline
    sweep (the day is in the key, so a second run that day writes nothing). Returns the digests written."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    marked = (
        Dossier.objects.filter(
            state__in=selectors.running_states(),
            current_handler__isnull=False,
            deadline_status__in=[DeadlineStatus.DUE_SOON, DeadlineStatus.OVERDUE],
        )
        .select_related("procedure_version")
        .order_by("current_handler_id", "due_at", "pk")
    )
    by_officer: dict[int, list[Dossier]] = {}
    for dossier in marked:
        by_officer.setdefault(dossier.current_handler_id, []).append(dossier)
    written = 0
    officers = User.objects.in_bulk(list(by_officer))
    for officer_id, dossiers in by_officer.items():
        due_soon = [d for d in dossiers if d.deadline_status == DeadlineStatus.DUE_SOON]
        overdue = [d for d in dossiers if d.deadline_status == DeadlineStatus.OVERDUE]
        items = "\n".join(
            f"{d.code} – {d.procedure_version.name[:60]} ({_date(d.due_at)}, {d.get_deadline_status_display()})"
            for d in [*overdue, *due_soon]
        )
        with transaction.atomic():
            rows = notifications.notify(
                kind=Kind.DEADLINE_DIGEST,
                event_key=f"deadline-digest:{day:%Y-%m-%d}",
                recipients=[officers[officer_id]],
                context={
                    "due_soon_count": str(len(due_soon)),
                    "overdue_count": str(len(overdue)),
                    "items": items,
                },
                link=reverse("dossiers:work_queue"),
            )
        written += bool(rows)
    return written


def sample_context() -> dict | None:
    """The newest received dossier as the sample for template previews."""
    dossier = (
        Dossier.objects.filter(~Q(code=None), ~Q(code=""))
        .select_related("procedure_version", "competent_agency", "receiving_agency", "applicant")
        .order_by("-pk")
        .first()
    )
    if dossier is None:
        return None
    agency = dossier.competent_agency or dossier.receiving_agency
    return {
        "name": dossier.applicant_name or (dossier.applicant.full_name if dossier.applicant else ""),
        "code": dossier.code,
        "procedure": dossier.procedure_version.name,
        "agency": agency.name if agency else "",
        "due_date": _date(dossier.due_at),
        "link": reverse("dossiers:detail", kwargs={"pk": dossier.pk}),
    }
