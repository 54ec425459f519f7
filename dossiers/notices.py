"""What the people concerned are told about surveys, feedback and appointments: one function per event.

These are the only calls the services make to tell someone something, inside the caller's transaction. The
survey invitation goes to the applicant's account through the notification outbox (`notifications.services`,
the channels the person chose), so it leaves only when the delivery it follows is committed. Feedback notices go
to the author's account, or to the phone / e-mail they gave (`notify_contacts`), and to the officers and leaders
concerned as users; appointment notices go by SMS to the phone given at booking. Callers pass models, never text: wording belongs to
the notification templates.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications import services as notifications
from notifications.constants import Kind

if TYPE_CHECKING:
    from portal.models import User

    from .models import Appointment, Dossier, Feedback, QueueTicket

logger = logging.getLogger(__name__)


def survey_invite(dossier: Dossier) -> None:
    """The result was delivered: invite the applicant to rate the service (from the dossier page)."""
    logger.info("survey invitation for dossier %s", dossier.pk)
    if not dossier.applicant_id:
        return
    link = reverse("survey:rate", kwargs={"pk": dossier.pk})
    notifications.notify(
        kind=Kind.SURVEY_INVITATION,
        event_key=f"survey-invitation:{dossier.pk}",
        recipients=[dossier.applicant],
        context={
            "code": dossier.code or "",
            "procedure": dossier.procedure_version.name,
            "survey_link": f"{settings.SITE_URL}{link}",
        },
        dossier_id=dossier.pk,
        dossier_code=dossier.code or "",
        link=link,
    )


def _when(value, fmt: str = "%d/%m/%Y") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _feedback_context(feedback: Feedback) -> dict:
    return {
        "code": feedback.code,
        "title": feedback.title,
        "agency": feedback.agency.name if feedback.agency_id else "",
        "due_date": _when(feedback.due_at),
    }


def _tell_feedback_author(feedback: Feedback, kind: str, event: str, context: dict) -> None:
    """The person who filed: their account when they were signed in, else the phone / e-mail they gave."""
    link = reverse("feedback:follow")
    if feedback.user_id:
        notifications.notify(
            kind=kind, event_key=event, recipients=[feedback.user], context=context, link=link
        )
        return
    notifications.notify_contacts(
        kind=kind,
        event_key=event,
        contacts=[notifications.Contact(name=feedback.name, phone=feedback.phone, email=feedback.email)],
        context=context,
        link=link,
    )


def feedback_received(feedback: Feedback) -> None:
    """A feedback was filed: confirm its code and lookup secret to the person."""
    logger.info("feedback %s received", feedback.code)
    _tell_feedback_author(
        feedback,
        Kind.FEEDBACK_RECEIVED,
        f"feedback-received:{feedback.pk}",
        {**_feedback_context(feedback), "secret": feedback.lookup_secret},
    )


def feedback_assigned(feedback: Feedback) -> None:
    """A feedback was assigned: tell the officer who now handles it (each assignment once)."""
    logger.info("feedback %s assigned to %s", feedback.code, feedback.assignee_id)
    if not feedback.assignee_id:
        return
    notifications.notify(
        kind=Kind.FEEDBACK_ASSIGNED,
        event_key=f"feedback-assigned:{feedback.pk}:{feedback.assignee_id}",
        recipients=[feedback.assignee],
        context=_feedback_context(feedback),
        link=reverse("feedback:handle", kwargs={"pk": feedback.pk}),
    )


def feedback_answered(feedback: Feedback) -> None:
    """The agency answered: tell the person (the answer is also on the follow-up page)."""
    logger.info("feedback %s answered", feedback.code)
    _tell_feedback_author(
        feedback,
        Kind.FEEDBACK_ANSWERED,
        f"feedback-answered:{feedback.pk}",
        {**_feedback_context(feedback), "message": (feedback.answer or "")[:1000]},
    )


def feedback_escalated(feedback: Feedback, leaders: list[User]) -> None:
    """A feedback passed its deadline unanswered: tell the agency's leaders."""
    logger.info("feedback %s escalated to %s", feedback.code, [leader.pk for leader in leaders])
    notifications.notify(
        kind=Kind.FEEDBACK_ESCALATED,
        event_key=f"feedback-escalated:{feedback.pk}",
        recipients=leaders,
        context=_feedback_context(feedback),
        link=reverse("feedback:handle", kwargs={"pk": feedback.pk}),
    )


def _appointment_context(appointment: Appointment) -> dict:
    slot = appointment.slot
    return {
        "code": appointment.code,
        "agency": slot.agency.name if slot.agency_id else "",
        "appointment_time": _when(slot.starts_at, "%H:%M %d/%m/%Y"),
    }


def _tell_appointment_contact(
    appointment: Appointment, kind: str, event: str, context: dict, link=""
) -> None:
    notifications.notify_contacts(
        kind=kind,
        event_key=event,
        contacts=[notifications.Contact(name=appointment.name, phone=appointment.phone)],
        context=context,
        link=link,
    )


def appointment_confirmed(appointment: Appointment) -> None:
    """A booking was made: send its code (and the link to its QR page) to the phone given."""
    logger.info("appointment %s confirmed", appointment.code)
    link = f"{reverse('appointments:confirmation')}?{urlencode({'ma': appointment.code, 'k': appointment.secret})}"
    _tell_appointment_contact(
        appointment,
        Kind.APPOINTMENT_CONFIRMED,
        f"appointment-confirmed:{appointment.pk}",
        _appointment_context(appointment),
        link=link,
    )


def appointment_cancelled(appointment: Appointment) -> None:
    """A booking was cancelled by the person."""
    logger.info("appointment %s cancelled", appointment.code)
    _tell_appointment_contact(
        appointment,
        Kind.APPOINTMENT_CANCELLED,
        f"appointment-cancelled:{appointment.pk}",
        _appointment_context(appointment),
    )


def ticket_called(ticket: QueueTicket) -> None:
    """A queue number was called to a counter (the display page shows it); a booked ticket's phone gets an
    SMS. A walk-in ticket has no phone: the display is all."""
    logger.info("ticket %s of agency %s called to %s", ticket.label, ticket.agency_id, ticket.counter)
    if not ticket.appointment_id:
        return
    appointment = ticket.appointment
    _tell_appointment_contact(
        appointment,
        Kind.TICKET_CALLED,
        f"ticket-called:{ticket.pk}:{ticket.called_at.isoformat() if ticket.called_at else ''}",
        {
            **_appointment_context(appointment),
            "ticket": ticket.label,
            "counter": ticket.counter,
            "agency": ticket.agency.name,
        },
    )
