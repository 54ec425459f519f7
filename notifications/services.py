"""Writing notifications (in the caller's transaction) and delivering them (in workers, after commit).

Public API for the other apps:

    notify(kind=Kind.RECEIVED, event_key=f"dossier-event:{event.pk}", recipients=[user],
           context={...}, dossier_id=…, dossier_code=…, link="/ho-so/1/")

writes one `Notification` row per recipient and channel (the portal inbox always, plus the channels the
person chose for the kind and has verified) and schedules delivery through the task outbox, so the rows and
their delivery commit or roll back with the event. The same `event_key` never gives a second row for a
recipient and channel.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal import outbox

from . import rendering
from .channels import ChannelError, adapter_for
from .constants import SYSTEM_KINDS, AttemptOutcome, Channel, Kind, Status
from .models import DeliveryEvent, Notification, Preference, Subscriber

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


def idempotency_key(event_key: str, recipient_id: int, channel: str) -> str:
    return f"{event_key}:{recipient_id}:{channel}"[:200]


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
        personal = {
            **{name: "" for name in rendering.VARIABLES},
            "status": str(Kind(kind).label),
            **context,
            "name": context.get("name") or user.full_name or user.username,
            "link": f"{settings.SITE_URL}{link}" if link else context.get("link", ""),
        }
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
) -> Notification:
    source = rendering.source_for(kind, target.channel, language)
    rendered = rendering.render(source, channel=target.channel, context=context)
    now = timezone.now()
    inbox = target.channel == Channel.INBOX
    row = Notification.objects.create(
        kind=kind,
        channel=target.channel,
        recipient=user,
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
        Notification.objects.filter(pk=row.pk).update(
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
    return "sent"


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
