"""Feedback and complaints (PAKN): filing, routing, assignment, answer, escalation when overdue.

NĐ 20/2008/NĐ-CP on receiving and handling feedback and petitions of individuals and organisations on
administrative regulations: the competent agency answers within 15 working days (FEEDBACK_ANSWER_WORKING_DAYS)
from reception, counted on the province's working calendar (dossiers.deadlines.answer_due). Each step is an
append-only `FeedbackEvent`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from portal import outbox
from portal.constants import AgencyLevel, Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import Agency, User
from portal.uploads import check_upload
from portal.validators import validate_phone
from portal.working_time import load_calendar
from procedures.models import Procedure
from procedures.selectors import procedure_version_in_force

from .. import deadlines, notices
from ..constants import LOOKUP_SECRET_ALPHABET, LOOKUP_SECRET_LENGTH
from ..models import Dossier, Feedback, FeedbackEvent
from . import permissions
from .constants import FeedbackAction, FeedbackState

ESCALATE_TASK = "dossiers.feedback_escalate"


@dataclass(frozen=True)
class FeedbackInput:
    category: str
    title: str
    body: str
    name: str
    phone: str = ""
    email: str = ""
    private: bool = False
    procedure: Procedure | None = None
    dossier: Dossier | None = None
    agency: Agency | None = None


def _event(
    feedback: Feedback, action: str, *, at: dt.datetime, actor: User | None = None, note: str = "", **payload
):
    return FeedbackEvent.objects.create(
        feedback=feedback, actor=actor, at=at, action=action, note=note, payload=payload
    )


def feedback_check_contact(*, name: str, phone: str, email: str) -> None:
    """A name and a way to answer: a mobile phone number or an e-mail address, each valid."""
    if not name.strip():
        raise ApplicationError("Vui lòng nhập họ và tên.", code="name", extra={"field": "name"})
    if not phone and not email:
        raise ApplicationError(
            "Vui lòng để lại số điện thoại hoặc thư điện tử để cơ quan trả lời.", code="contact"
        )
    try:
        if phone:
            validate_phone(phone)
        if email:
            validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code="contact") from exc


def feedback_default_agency() -> Agency:
    """Where feedback about nothing in particular goes: FEEDBACK_DEFAULT_AGENCY_CODE, else the province's
    one-stop centre."""
    agencies = Agency.objects.filter(active=True)
    agency = None
    if settings.FEEDBACK_DEFAULT_AGENCY_CODE:
        agency = agencies.filter(code=settings.FEEDBACK_DEFAULT_AGENCY_CODE).first()
    agency = (
        agency or agencies.filter(level=AgencyLevel.PROVINCE, has_one_stop_desk=True).order_by("pk").first()
    )
    if agency is None:
        raise ApplicationError("Chưa cấu hình cơ quan tiếp nhận phản ánh, kiến nghị.", code="no_agency")
    return agency


def feedback_route(*, data: FeedbackInput, on: dt.date) -> Agency:
    """The competent agency: the dossier's, else the one the person chose, else the agency competent for the
    procedure (its version in force), else the default agency."""
    if data.dossier is not None and (data.dossier.competent_agency_id or data.dossier.receiving_agency_id):
        return data.dossier.competent_agency or data.dossier.receiving_agency
    if data.agency is not None:
        return data.agency
    if data.procedure is not None:
        version = procedure_version_in_force(data.procedure, on=on)
        agency = version.competent_agencies.filter(active=True).order_by("pk").first() if version else None
        if agency is not None:
            return agency
    return feedback_default_agency()


def _new_code(at: dt.datetime) -> str:
    day = timezone.localdate(at)
    for _attempt in range(10):
        code = f"PAKN-{day:%y%m%d}-" + "".join(secrets.choice(LOOKUP_SECRET_ALPHABET) for _ in range(5))
        if not Feedback.objects.filter(code=code).exists():
            return code
    raise Conflict("Không cấp được mã phản ánh, vui lòng gửi lại.", code="code")


def feedback_file(
    *,
    data: FeedbackInput,
    user: User | None = None,
    attachment: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> Feedback:
    """Anyone files a feedback (login optional, contact required); it is routed to the competent agency at once
    and must be answered within FEEDBACK_ANSWER_WORKING_DAYS working days."""
    at = at or timezone.now()
    feedback_check_contact(name=data.name, phone=data.phone, email=data.email)
    if not data.title.strip() or not data.body.strip():
        raise ApplicationError("Vui lòng nhập tiêu đề và nội dung phản ánh.", code="body")
    checked = check_upload(attachment) if attachment else None
    calendar = load_calendar()
    agency = feedback_route(data=data, on=timezone.localdate(at))
    with transaction.atomic():
        feedback = Feedback(
            code=_new_code(at),
            lookup_secret="".join(
                secrets.choice(LOOKUP_SECRET_ALPHABET) for _ in range(LOOKUP_SECRET_LENGTH)
            ),
            category=data.category,
            title=data.title.strip(),
            body=data.body.strip(),
            name=data.name.strip(),
            phone=data.phone.replace(" ", ""),
            email=data.email.strip(),
            user=user if user is not None and user.is_authenticated else None,
            private=data.private,
            procedure=data.procedure,
            dossier=data.dossier,
            agency=agency,
            received_at=at,
            due_at=deadlines.answer_due(
                received_at=at, working_days=settings.FEEDBACK_ANSWER_WORKING_DAYS, calendar=calendar
            ),
        )
        if checked is not None:
            attachment.seek(0)
            feedback.attachment.save(f"dinh-kem.{checked.extension}", attachment, save=False)
            feedback.attachment_name = (attachment.name or "tep")[:255]
            feedback.attachment_mime = checked.mime_type
        try:
            feedback.save()
        except Exception:
            if feedback.attachment:
                feedback.attachment.delete(save=False)
            raise
        _event(feedback, FeedbackAction.FILED, at=at, actor=feedback.user, category=data.category)
        _event(feedback, FeedbackAction.ROUTED, at=at, agency=agency.code)
        notices.feedback_received(feedback)
    return feedback


def _locked(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=feedback.pk)


def feedback_assign(
    *, feedback: Feedback, actor: User, assignee: User, at: dt.datetime | None = None
) -> Feedback:
    """A leader of the agency gives the feedback to one of its officers."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked(feedback)
        if not permissions.can_assign(actor, locked):
            raise NotPermitted("Chỉ lãnh đạo cơ quan xử lý mới phân công phản ánh.")
        if locked.state == FeedbackState.ANSWERED:
            raise Conflict("Phản ánh này đã được trả lời.", code="answered")
        if not assignee.is_officer or not permissions.is_handler_at(assignee, locked.agency_id):
            raise ApplicationError("Cán bộ được phân công phải thuộc cơ quan xử lý.", code="assignee")
        locked.assignee = assignee
        locked.state = FeedbackState.ASSIGNED
        locked.save(update_fields=["assignee", "state"])
        _event(locked, FeedbackAction.ASSIGNED, at=at, actor=actor, assignee=assignee.pk)
        notices.feedback_assigned(locked)
    return locked


def feedback_answer(
    *, feedback: Feedback, actor: User, answer: str, at: dt.datetime | None = None
) -> Feedback:
    """The assigned officer (or a leader) answers. The answer is published on the public page unless the person
    asked for privacy."""
    at = at or timezone.now()
    if not answer.strip():
        raise ApplicationError("Vui lòng nhập nội dung trả lời.", code="answer", extra={"field": "answer"})
    with transaction.atomic():
        locked = _locked(feedback)
        if not permissions.can_answer(actor, locked):
            raise NotPermitted("Chỉ cán bộ được phân công hoặc lãnh đạo cơ quan mới trả lời phản ánh.")
        if locked.state == FeedbackState.ANSWERED:
            raise Conflict("Phản ánh này đã được trả lời.", code="answered")
        locked.answer = answer.strip()
        locked.answered_at = at
        locked.answered_by = actor
        locked.state = FeedbackState.ANSWERED
        locked.save(update_fields=["answer", "answered_at", "answered_by", "state"])
        late = deadlines.is_overdue(now=at, due_at=locked.due_at)
        _event(locked, FeedbackAction.ANSWERED, at=at, actor=actor, late=late, published=locked.published)
        notices.feedback_answered(locked)
    return locked


def feedback_escalate(*, feedback_id: int, now: dt.datetime | None = None) -> bool:
    """An unanswered feedback past its deadline is reported to the agency's leaders, once (an ESCALATED event
    naming them). Idempotent: answered, already escalated or not yet due does nothing and returns False."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Feedback.objects.select_for_update().filter(pk=feedback_id).first()
        if (
            locked is None
            or locked.state == FeedbackState.ANSWERED
            or locked.escalated_at is not None
            or not deadlines.is_overdue(now=now, due_at=locked.due_at)
        ):
            return False
        leaders = list(
            User.objects.filter(
                agency_memberships__agency_id=locked.agency_id,
                agency_memberships__role=Role.AGENCY_LEADER,
                agency_memberships__active=True,
                is_active=True,
            ).distinct()
        )
        locked.escalated_at = now
        locked.save(update_fields=["escalated_at"])
        _event(
            locked,
            FeedbackAction.ESCALATED,
            at=now,
            leaders=[leader.pk for leader in leaders],
            due_at=locked.due_at.isoformat(),
        )
        notices.feedback_escalated(locked, leaders)
    return True


def feedback_escalation_sweep(*, now: dt.datetime | None = None) -> int:
    """Beat: schedule the escalation of every unanswered feedback past its deadline (one outbox task each)."""
    now = now or timezone.now()
    due = Feedback.objects.filter(
        escalated_at__isnull=True, due_at__lt=now, state__in=[FeedbackState.RECEIVED, FeedbackState.ASSIGNED]
    ).values_list("pk", flat=True)
    scheduled = 0
    with transaction.atomic():
        for pk in due:
            if not outbox.is_pending(ESCALATE_TASK, pk):
                outbox.enqueue(ESCALATE_TASK, pk)
                scheduled += 1
    return scheduled
