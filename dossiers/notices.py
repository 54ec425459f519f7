"""What the people concerned are told about surveys, feedback and appointments: one function per event.

These are the only calls the services make to tell someone something, inside the caller's transaction. The
survey invitation goes to the applicant's account through the notification outbox (`notifications.services`,
the channels the person chose), so it leaves only when the delivery it follows is committed; the others, whose
recipients are contacts without an account, are logged. Callers pass models, never text: wording belongs to
the notification templates.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

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


def feedback_received(feedback: Feedback) -> None:
    """A feedback was filed: confirm its code and lookup secret to the contact given."""
    logger.info("feedback %s received", feedback.code)


def feedback_assigned(feedback: Feedback) -> None:
    """A feedback was assigned: tell the officer who now handles it."""
    logger.info("feedback %s assigned to %s", feedback.code, feedback.assignee_id)


def feedback_answered(feedback: Feedback) -> None:
    """The agency answered: tell the person (the answer is also on the follow-up page)."""
    logger.info("feedback %s answered", feedback.code)


def feedback_escalated(feedback: Feedback, leaders: list[User]) -> None:
    """A feedback passed its deadline unanswered: tell the agency's leaders."""
    logger.info("feedback %s escalated to %s", feedback.code, [leader.pk for leader in leaders])


def appointment_confirmed(appointment: Appointment) -> None:
    """A booking was made: send its code (and QR link) to the phone given."""
    logger.info("appointment %s confirmed", appointment.code)


def appointment_cancelled(appointment: Appointment) -> None:
    """A booking was cancelled by the person."""
    logger.info("appointment %s cancelled", appointment.code)


def ticket_called(ticket: QueueTicket) -> None:
    """A queue number was called to a counter (the display page shows it; an SMS may follow)."""
    logger.info("ticket %s of agency %s called to %s", ticket.label, ticket.agency_id, ticket.counter)
