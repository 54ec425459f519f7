"""Writing notifications (in the caller's transaction) and delivering them (in workers, after commit).

Public API for the other apps:

    notify(kind=Kind.RECEIVED, event_key=f"dossier-event:{event.pk}", recipients=[user],
           context={...}, dossier_id=…, dossier_code=…, link="/ho-so/1/")

writes one `Notification` row per recipient and channel (the portal inbox always, plus the channels the
person chose for the kind and has verified) and schedules delivery through the task outbox, so the rows and
their delivery commit or roll back with the event. The same `event_key` never gives a second row for a
recipient and channel.

    notify_contacts(kind=Kind.RECEIVED, event_key=…, contacts=[Contact(name, phone, email)], context={…})

does the same for people without an account (a walk-in or postal applicant, a feedback or booking contact):
an SMS to the phone and an e-mail to the address given, same templates, same idempotency rule (the address
stands for the recipient in the key).

`delivery_report(...)` records what a provider later says about a message it accepted (delivered, or not
delivered with its reason): see `notifications.reports` for the endpoints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal import outbox
from portal.validators import validate_phone

from . import rendering
from .channels import ChannelError, adapter_for
from .constants import (
    CHANNEL_OF_PROVIDER,
    SYSTEM_KINDS,
    AttemptOutcome,
    Channel,
    Kind,
    ReportOutcome,
    Status,
)
from .models import DeliveryEvent, Notification, Preference, ProviderReport, Subscriber

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.deliver"
QUEUE = "notifications"


@dataclass(frozen=True)
class Target:
    """Where one row goes: a channel and the address on it."""

    channel: str
    address: str


def subscriber_for(user) -> Subscriber:
    subscriber, _created = Subscriber.objects.get_or_create(user=user)
    return subscriber


def chosen_channels(*, user, kind: str) -> list[str]:
    """The channels the person chose for `kind`, the portal inbox always first."""
    preference = Preference.objects.filter(user=user, kind=kind).first()
    chosen = list(preference.channels) if preference else []
    return [Channel.INBOX, *[c for c in Channel.values if c in chosen and c != Channel.INBOX]]


def targets_for(*, user, kind: str) -> list[Target]:
    """The inbox, and each chosen channel whose address (phone, e-mail) the person has verified."""
    subscriber = Subscriber.objects.filter(user=user).first()
    targets = [Target(Channel.INBOX, "")]
    for channel in chosen_channels(user=user, kind=kind)[1:]:
        address = subscriber.verified_address(channel) if subscriber else ""
        if address:
            targets.append(Target(channel, address))
    return targets


def idempotency_key(event_key: str, recipient_id: int | str, channel: str) -> str:
    return f"{event_key}:{recipient_id}:{channel}"[:200]


@dataclass(frozen=True)
class Contact:
    """A person without an account, reached at the phone and/or e-mail address they gave."""

    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "vi"

    def targets(self) -> list[Target]:
        targets = []
        if self.phone:
            targets.append(Target(Channel.SMS, self.phone))
        if self.email:
            targets.append(Target(Channel.EMAIL, self.email))
        return targets


def contact_key(address: str) -> str:
    """What stands for a contact in the idempotency key (the address, hashed: keys are shown to admins)."""
    return "c" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def _personal(kind: str, context: dict, *, name: str, link: str) -> dict:
    return {
        **{variable: "" for variable in rendering.VARIABLES},
        "status": str(Kind(kind).label),
        **context,
        "name": context.get("name") or name,
        "link": f"{settings.SITE_URL}{link}" if link else context.get("link", ""),
    }


def notify(
    *,
    kind: str,
    event_key: str,
    recipients: Iterable,
    context: dict,
    dossier_id: int | None = None,
    dossier_code: str = "",
    link: str = "",
    targets: list[Target] | None = None,
) -> list[Notification]:
    """Write the rows of one event for each recipient (see the module's docstring). Call it inside the
    transaction of the event. `targets` overrides the person's choices (verification codes)."""
    created: list[Notification] = []
    for user in recipients:
        if user is None:
            continue
        language = Subscriber.objects.filter(user=user).values_list("language", flat=True).first() or "vi"
        personal = _personal(kind, context, name=user.full_name or user.username, link=link)
        for target in targets if targets is not None else targets_for(user=user, kind=kind):
            key = idempotency_key(event_key, user.pk, target.channel)
            if Notification.objects.filter(idempotency_key=key).exists():
                continue
            created.append(
                _write(
                    kind=kind,
                    key=key,
                    user=user,
                    target=target,
                    language=language,
                    context=personal,
                    dossier_id=dossier_id,
                    dossier_code=dossier_code,
                    link=link,
                )
            )
    return created


def notify_contacts(
    *,
    kind: str,
    event_key: str,
    contacts: Iterable[Contact],
    context: dict,
    dossier_id: int | None = None,
    dossier_code: str = "",
    link: str = "",
) -> list[Notification]:
    """Write the rows of one event for people without an account: SMS to the phone, e-mail to the address
    (in the caller's transaction, like `notify`). An invalid phone or address is skipped (they were checked
    when entered; an old record may still hold one)."""
    created: list[Notification] = []
    for contact in contacts:
        personal = _personal(kind, context, name=contact.name, link=link)
        for target in contact.targets():
            try:
                (validate_phone if target.channel == Channel.SMS else validate_email)(target.address)
            except ValidationError:
                logger.info("Notification %s: contact address %r skipped", event_key, target.address)
                continue
            key = idempotency_key(event_key, contact_key(target.address), target.channel)
            if Notification.objects.filter(idempotency_key=key).exists():
                continue
            created.append(
                _write(
                    kind=kind,
                    key=key,
                    user=None,
                    target=target,
                    language=contact.language if contact.language in ("vi", "en") else "vi",
                    context=personal,
                    dossier_id=dossier_id,
                    dossier_code=dossier_code,
                    link=link,
                    contact_name=contact.name,
                )
            )
    return created


def _write(
    *,
    kind,
    key,
    user,
    target: Target,
    language,
    context,
    dossier_id,
    dossier_code,
    link,
    fallback_of: Notification | None = None,
    contact_name: str = "",
) -> Notification:
    source = rendering.source_for(kind, target.channel, language)
    rendered = rendering.render(source, channel=target.channel, context=context)
    now = timezone.now()
    inbox = target.channel == Channel.INBOX
    row = Notification.objects.create(
        kind=kind,
        channel=target.channel,
        recipient=user,
        contact_name=contact_name[:200],
        address=target.address,
        language=language,
        dossier_id=dossier_id,
        dossier_code=dossier_code or "",
        link=link,
        subject=rendered.subject,
        body=rendered.body,
        html=rendered.html,
        template_id=rendered.template_id,
        params=rendered.params,
        context=context,
        idempotency_key=key,
        # The inbox row is the message: it is there as soon as the transaction commits.
        status=Status.DELIVERED if inbox else Status.PENDING,
        sent_at=now if inbox else None,
        fallback_of=fallback_of,
    )
    if not inbox:
        outbox.enqueue(DELIVER_TASK, row.pk, queue=QUEUE)
    return row


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: NOTIFY_RETRY_BASE_SECONDS doubled after each failure, at most 6 hours."""
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return dt.timedelta(seconds=min(seconds, 6 * 3600))


def _claim(pk: int, now: dt.datetime) -> bool:
    """Take the row for sending: one conditional UPDATE, so of two workers on the same row only one wins."""
    return bool(
        Notification.objects.filter(pk=pk, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def notification_deliver(*, notification_id: int) -> str:
    """Send one row once. Idempotent: a row already sent, being sent by another worker, or waiting for its
    next attempt is left alone. A provider error is recorded with its code; a passing one puts the row back
    with a later attempt time (backoff), a permanent one fails it; Zalo without an account falls back to SMS.
    The provider is called outside any transaction or lock."""
    now = timezone.now()
    if not _claim(notification_id, now):
        return "skipped"
    row = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        sent = adapter_for(row.channel).send(row)
    except ChannelError as exc:
        return _record_failure(row, exc)
    except Exception as exc:  # a bug or an unexpected library error: keep the row, try later
        logger.exception("Notification %s: unexpected error while sending", row.pk)
        return _record_failure(row, ChannelError(f"{type(exc).__name__}: {exc}", code="error"))
    at = timezone.now()
    with transaction.atomic():
        # Only from SENDING: a delivery report applied meanwhile (DELIVERED) is never turned back into SENT.
        Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.SENT,
            sent_at=at,
            provider_message_id=sent.provider_message_id[:100],
            error_code="",
            error_message="",
            next_attempt_at=None,
        )
        DeliveryEvent.objects.create(
            notification=row, at=at, outcome=AttemptOutcome.SENT, message=sent.provider_message_id[:500]
        )
        if sent.provider_message_id:
            _apply_waiting_reports(row.pk, sent.provider_message_id[:100])
    return "sent"


PROVIDER_OF_CHANNEL = {channel: provider for provider, channel in CHANNEL_OF_PROVIDER.items()}


def delivery_report(
    *, provider: str, message_id: str, outcome: str, code: str = "", message: str = "", retry: bool = False
) -> str:
    """Record a provider's delivery report about the message it named `message_id` and apply it to the row
    that carries that id. Idempotent (one report per message and outcome is kept; a repeated call changes
    nothing) and safe out of order: a report that arrives before the worker wrote the id down is kept and
    applied when it does; "delivered" is final (a later failure report or the worker's own "sent" leaves it);
    a failure report only turns a SENT row into a retry (with a new RequestId, if the error is passing and
    attempts remain) or a failure. Returns what happened: applied, duplicate, waiting or ignored."""
    now = timezone.now()
    with transaction.atomic():
        report, created = ProviderReport.objects.get_or_create(
            provider=provider,
            message_id=message_id[:100],
            outcome=outcome,
            defaults={"code": code[:40], "message": message[:500], "retry": retry, "received_at": now},
        )
        if not created:
            return "duplicate"
        row = (
            Notification.objects.select_for_update()
            .filter(channel=CHANNEL_OF_PROVIDER[provider], provider_message_id=report.message_id)
            .order_by("-pk")
            .first()
        )
        if row is None:
            return "waiting"
        return _apply_report(row, report)


def _apply_waiting_reports(pk: int, message_id: str) -> None:
    row = Notification.objects.select_for_update().get(pk=pk)
    provider = PROVIDER_OF_CHANNEL.get(row.channel)
    if provider is None:
        return
    waiting = ProviderReport.objects.filter(
        provider=provider, message_id=message_id, applied_at__isnull=True
    ).order_by("received_at", "pk")
    for report in waiting:
        _apply_report(row, report)
        row.refresh_from_db()


def _apply_report(row: Notification, report: ProviderReport) -> str:
    """Apply one report to its (locked) row, inside the caller's transaction."""
    at = timezone.now()
    ProviderReport.objects.filter(pk=report.pk).update(applied_at=at, notification=row)
    if report.outcome == ReportOutcome.DELIVERED:
        if row.status in (Status.DELIVERED, Status.CANCELLED):
            return "ignored"
        Notification.objects.filter(pk=row.pk).update(
            status=Status.DELIVERED, delivered_at=at, next_attempt_at=None, error_code="", error_message=""
        )
        DeliveryEvent.objects.create(
            notification=row,
            at=at,
            outcome=AttemptOutcome.DELIVERED,
            code=report.code,
            message=report.message,
        )
        return "applied"
    if row.status != Status.SENT:
        # Delivered already, or sent again since: the report is kept (ProviderReport) but changes nothing.
        return "ignored"
    again = report.retry and row.attempts < settings.NOTIFY_MAX_ATTEMPTS
    Notification.objects.filter(pk=row.pk).update(
        status=Status.PENDING if again else Status.FAILED,
        next_attempt_at=at + backoff(row.attempts) if again else None,
        resends=F("resends") + (1 if again else 0),
        error_code=report.code,
        error_message=report.message,
    )
    DeliveryEvent.objects.create(
        notification=row,
        at=at,
        outcome=AttemptOutcome.RETRY if again else AttemptOutcome.UNDELIVERED,
        code=report.code,
        message=report.message,
    )
    # The beat task hands the row to a worker again once its next attempt time has come.
    return "applied"


def _record_failure(row: Notification, exc: ChannelError) -> str:
    at = timezone.now()
    attempts = row.attempts
    with transaction.atomic():
        if exc.fallback and row.channel == Channel.ZALO:
            outcome, status, next_at = AttemptOutcome.FALLBACK, Status.FAILED, None
            _fallback_to_sms(row)
        elif exc.retry and attempts < settings.NOTIFY_MAX_ATTEMPTS:
            outcome, status, next_at = AttemptOutcome.RETRY, Status.PENDING, at + backoff(attempts)
        else:
            outcome, status, next_at = AttemptOutcome.FAILED, Status.FAILED, None
        Notification.objects.filter(pk=row.pk).update(
            status=status, next_attempt_at=next_at, error_code=exc.code[:40], error_message=exc.message[:500]
        )
        DeliveryEvent.objects.create(
            notification=row, at=at, outcome=outcome, code=exc.code[:40], message=exc.message[:500]
        )
    logger.info("Notification %s %s: %s", row.pk, outcome, exc.message)
    return str(outcome)


def _fallback_to_sms(row: Notification) -> Notification | None:
    """The phone has no Zalo account: send the same event by SMS, unless an SMS row exists for it."""
    event_key = row.idempotency_key.rsplit(":", 2)[0]
    if Notification.objects.filter(
        idempotency_key__in=[
            idempotency_key(event_key, row.recipient_id, Channel.SMS),
            f"{row.idempotency_key}:sms",
        ]
    ).exists():
        return None
    context = {**{name: "" for name in rendering.VARIABLES}, **row.context}
    return _write(
        kind=row.kind,
        key=f"{row.idempotency_key}:sms",
        user=row.recipient,
        target=Target(Channel.SMS, row.address),
        language=row.language,
        context=context,
        dossier_id=row.dossier_id,
        dossier_code=row.dossier_code,
        link=row.link,
        fallback_of=row,
        contact_name=row.contact_name,
    )


def notifications_requeue(*, now: dt.datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """The beat task's work: hand to the workers again the rows left undelivered — pending past their next
    attempt time (and written more than NOTIFY_REQUEUE_AFTER_SECONDS ago, so the commit's own dispatch goes
    first), and rows whose worker died while sending (claimed more than NOTIFY_CLAIM_TIMEOUT_SECONDS ago;
    the provider's de-duplication on the row's RequestId covers a send that happened before the crash)."""
    from .tasks import deliver

    now = now or timezone.now()
    limit = limit or settings.NOTIFY_REQUEUE_BATCH_SIZE
    stale = now - dt.timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS)
    released = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=stale).update(
        status=Status.PENDING, next_attempt_at=now
    )
    settled = now - dt.timedelta(seconds=settings.NOTIFY_REQUEUE_AFTER_SECONDS)
    due = list(
        Notification.objects.filter(status=Status.PENDING, created_at__lte=settled)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in due:
        try:
            deliver.apply_async((pk,), queue=QUEUE)
        except Exception as exc:  # noqa: BLE001 — the broker is down again: the next run tries
            logger.warning("Notification %s not re-queued: %s", pk, exc)
            break
        queued += 1
    return {"queued": queued, "released": released, "due": len(due)}


def notification_retry(*, notification: Notification, actor) -> Notification:
    """An administrator sends a failed row again (after fixing the provider account, the template…)."""
    with transaction.atomic():
        updated = Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
            status=Status.PENDING, next_attempt_at=None, attempts=0
        )
        if updated:
            DeliveryEvent.objects.create(
                notification=notification,
                at=timezone.now(),
                outcome=AttemptOutcome.RETRY,
                code="manual",
                message=f"Gửi lại theo yêu cầu của {actor}"[:500],
            )
            outbox.enqueue(DELIVER_TASK, notification.pk, queue=QUEUE)
    notification.refresh_from_db()
    return notification


def inbox_mark_read(*, notification: Notification, actor) -> None:
    if notification.recipient_id != actor.pk or notification.channel != Channel.INBOX:
        return
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def inbox_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preferences_save(*, user, choices: dict[str, list[str]], language: str | None = None) -> None:
    """Save the channels chosen per kind. A channel whose address is not verified yet is refused."""
    from portal.errors import ApplicationError

    subscriber = subscriber_for(user)
    for kind, channels in choices.items():
        if kind in SYSTEM_KINDS:
            continue
        for channel in channels:
            if (
                channel != Channel.INBOX
                and channel in Channel.values
                and not subscriber.verified_address(channel)
            ):
                what = "thư điện tử" if channel == Channel.EMAIL else "số điện thoại"
                raise ApplicationError(
                    f"Hãy xác minh {what} trước khi chọn nhận thông báo qua {Channel(channel).label}.",
                    code="contact_not_verified",
                )
    with transaction.atomic():
        if language in ("vi", "en"):
            Subscriber.objects.filter(pk=subscriber.pk).update(language=language)
        for kind, channels in choices.items():
            if kind in SYSTEM_KINDS or kind not in Kind.values:
                continue
            clean = sorted({c for c in channels if c in Channel.values and c != Channel.INBOX})
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"channels": clean})
