"""Outbound sync with the national portal: what a dossier event queues, how a dossier's queue is sent, and
the nightly reconciliation.

- `national_sync_report_event(event)` runs in the transaction that writes the event: it queues a DongBoHoSoMC
  item (the dossier as it then stands) followed by a CapNhatTienDoHoSoMC item (the step), and schedules the
  `dossiers.national.push` task on the "sync" queue through the task outbox.
- `national_sync_push(dossier_id=…)` sends the dossier's unsent items one by one in order, under a short lease
  so that two workers never send the same dossier's items together, and stops at the first failure: the task
  retries with backoff and nothing after the failed item goes ahead of it. An item sent whose success mark was
  lost is sent again: DongBoHoSoMC's "đã tồn tại" answer switches the call to an update.
- `national_sync_reconcile()` looks every recent dossier up (TraCuuHoSo) and queues the dossier again where
  the national state differs from ours.

Every call is written to the append-only `NationalSyncLog` log: request, answer, attempt number.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import outbox
from procedures.national.gateway import GatewayError, already_exists, national_gateway

from ..constants import DossierState, is_synced_nationally
from ..models import (
    Dossier,
    DossierEvent,
    NationalService,
    NationalSyncItem,
    NationalSyncLog,
    NationalSyncState,
)
from .payloads import NOT_REPORTED, dossier_key, dossier_record, progress_record

logger = logging.getLogger(__name__)

PUSH_TASK = "dossiers.national.push"
LEASE_SECONDS = 120


class SyncBusy(Exception):
    """Another worker is sending this dossier's items; try again shortly."""


class SyncFailed(Exception):
    """An item was not accepted; it and the items after it wait for the next attempt."""


def sync_enabled() -> bool:
    return settings.NATIONAL_SYNC_ENABLED and bool(
        settings.NATIONAL_PORTAL_URL or settings.NATIONAL_SIMULATOR_ENABLED
    )


def national_sync_report_event(event: DossierEvent) -> None:
    """Queue the dossier and the step of `event` for the national portal (in the event's transaction).

    A draft is never reported, nor a dossier without a MaHoSo yet (ours comes with reception; a dossier
    filed on the national portal carries its own). The first report of a dossier also reports the earlier
    steps, in order."""
    dossier = event.dossier
    if not sync_enabled() or not is_synced_nationally(dossier.state) or not dossier_key(dossier):
        return
    if event.action in NOT_REPORTED:
        return
    first = not NationalSyncItem.objects.filter(dossier=dossier).exists()
    NationalSyncItem.objects.create(dossier=dossier, service=NationalService.DOSSIER, event=event)
    steps = (
        dossier.events.exclude(action__in=NOT_REPORTED).filter(at__lte=event.at).order_by("at", "id")
        if first
        else [event]
    )
    for step in steps:
        NationalSyncItem.objects.create(dossier=dossier, service=NationalService.PROGRESS, event=step)
    outbox.enqueue(PUSH_TASK, dossier.pk, queue="sync")


def national_sync_queue_dossier(*, dossier: Dossier, reason: str) -> NationalSyncItem:
    """Send the dossier as it stands again (reconciliation, an administrator's request)."""
    with transaction.atomic():
        item = NationalSyncItem.objects.create(
            dossier=dossier, service=NationalService.DOSSIER, reason=reason
        )
        outbox.enqueue(PUSH_TASK, dossier.pk, queue="sync")
    return item


def _claim(dossier_id: int, now: dt.datetime) -> bool:
    NationalSyncState.objects.get_or_create(dossier_id=dossier_id)
    return bool(
        NationalSyncState.objects.filter(dossier_id=dossier_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + dt.timedelta(seconds=LEASE_SECONDS))
    )


def _release(dossier_id: int) -> None:
    NationalSyncState.objects.filter(dossier_id=dossier_id).update(lease_until=None)


@dataclass
class PushResult:
    sent: list[int] = field(default_factory=list)
    failed: int | None = None
    error: str = ""


def national_sync_push(*, dossier_id: int) -> PushResult:
    """Send the dossier's unsent items in order. Raises SyncBusy when another worker holds the dossier and
    SyncFailed (after logging) when an item is refused or the portal cannot be reached."""
    gateway = national_gateway()
    if gateway is None:
        return PushResult()
    if not _claim(dossier_id, timezone.now()):
        raise SyncBusy(dossier_id)
    result = PushResult()
    try:
        while True:
            item = (
                NationalSyncItem.objects.filter(dossier_id=dossier_id, sent_at__isnull=True)
                .select_related("event")
                .order_by("id")
                .first()
            )
            if item is None:
                return result
            try:
                _send(gateway, item)
            except GatewayError as exc:
                result.failed, result.error = item.pk, exc.message
                raise SyncFailed(exc.message) from exc
            result.sent.append(item.pk)
    finally:
        _release(dossier_id)


def _send(gateway, item: NationalSyncItem) -> None:
    dossier = Dossier.objects.select_related(
        "procedure_version__procedure__field", "applicant", "competent_agency", "receiving_agency"
    ).get(pk=item.dossier_id)
    state = NationalSyncState.objects.get(dossier=dossier)
    if item.service == NationalService.DOSSIER:
        data = [dossier_record(dossier)]
        is_updating = state.known_nationally
    else:
        data = [progress_record(item.event)]
        is_updating = False
    try:
        reply = _call(gateway, item, dossier, data, is_updating)
    except GatewayError as exc:
        if item.service == NationalService.DOSSIER and not is_updating and already_exists(exc):
            # Sent before and the success mark lost, or filed there: the national side holds it, update it.
            reply = _call(gateway, item, dossier, data, True)
        else:
            raise
    now = timezone.now()
    NationalSyncItem.objects.filter(pk=item.pk).update(sent_at=now, last_error="")
    if item.service == NationalService.DOSSIER:
        NationalSyncState.objects.filter(pk=state.pk).update(
            known_nationally=True, national_status=data[0]["TrangThaiHoSo"], last_synced_at=now
        )
    else:
        NationalSyncState.objects.filter(pk=state.pk).update(last_synced_at=now)
    logger.debug("national sync %s ok: %s", item, reply.answer)


def _call(gateway, item: NationalSyncItem, dossier: Dossier, data: list, is_updating: bool):
    attempt = item.attempts + 1
    NationalSyncItem.objects.filter(pk=item.pk).update(attempts=attempt)
    item.attempts = attempt
    try:
        reply = gateway.call(item.service, data, is_updating=is_updating)
    except GatewayError as exc:
        NationalSyncLog.objects.create(
            dossier=dossier,
            item=item,
            service=item.service,
            is_updating=is_updating,
            attempt=attempt,
            request=gateway.envelope(item.service, data, is_updating=is_updating) | {"session": "***"},
            answer=exc.answer if isinstance(exc.answer, dict) else {"text": str(exc.answer or "")[:2000]},
            ok=False,
            error=exc.message,
        )
        NationalSyncItem.objects.filter(pk=item.pk).update(last_error=exc.message[:2000])
        raise
    NationalSyncLog.objects.create(
        dossier=dossier,
        item=item,
        service=item.service,
        is_updating=is_updating,
        attempt=attempt,
        request=reply.request,
        answer=reply.answer,
        ok=True,
    )
    return reply


def backoff_seconds(retries: int) -> int:
    return min(settings.NATIONAL_SYNC_BACKOFF_SECONDS * 2**retries, 3600)


# ---- nightly reconciliation ----------------------------------------------------------------------------


def national_lookup(*, dossier: Dossier) -> dict | None:
    """The national portal's record of the dossier (TraCuuHoSo), None when it does not know it."""
    gateway = national_gateway()
    key = dossier_key(dossier)
    data = {"MaHoSo": key}
    try:
        reply = gateway.call(NationalService.LOOKUP, data)
    except GatewayError as exc:
        NationalSyncLog.objects.create(
            dossier=dossier,
            service=NationalService.LOOKUP,
            request={"service": NationalService.LOOKUP, "data": data},
            answer=exc.answer if isinstance(exc.answer, dict) else {"text": str(exc.answer or "")[:2000]},
            error=exc.message,
        )
        raise
    found = reply.answer.get("result")
    return found if isinstance(found, dict) and found else None


@dataclass
class ReconcileResult:
    checked: int = 0
    resent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def national_sync_reconcile(*, now: dt.datetime | None = None) -> ReconcileResult:
    """Look up every dossier changed in the last NATIONAL_RECONCILE_DAYS days and queue again those whose
    national TrangThaiHoSo differs from ours or that the national portal does not know."""
    result = ReconcileResult()
    if national_gateway() is None:
        return result
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.NATIONAL_RECONCILE_DAYS)
    dossiers = (
        Dossier.objects.exclude(state=DossierState.DRAFT)
        .filter(Q(code__isnull=False) | ~Q(national_code=""))
        .filter(events__at__gte=since)
        .distinct()
        .order_by("id")
    )
    for dossier in dossiers.iterator():
        result.checked += 1
        key = dossier_key(dossier)
        try:
            found = national_lookup(dossier=dossier)
        except GatewayError:
            result.failed.append(key)
            continue
        status = _as_int(found.get("TrangThaiHoSo")) if found else None
        if status == dossier.national_status:
            continue
        if found is None:
            NationalSyncState.objects.filter(dossier=dossier).update(known_nationally=False)
        national_sync_queue_dossier(dossier=dossier, reason="reconcile")
        result.resent.append(key)
    return result


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
