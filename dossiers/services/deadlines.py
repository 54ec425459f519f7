"""Deadlines: the periodic sweep that marks dossiers due soon or overdue, and the apology with a new
appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.errors import Conflict, NotPermitted
from portal.working_time import WorkingCalendar, load_calendar

from .. import deadlines, permissions, selectors
from ..constants import DeadlineStatus, DocumentKind, EventAction
from ..models import Dossier, DossierApology, DossierEvent
from .core import bump_version, field_error, lock_dossier, reason_required, record_event, schedule_document

if TYPE_CHECKING:
    from portal.models import User


def _warning_share() -> float:
    return float(getattr(settings, "DEADLINE_WARNING_SHARE", 0.2))


# Rows updated by one statement; bounded so that a province-wide change does not build one huge IN list.
SWEEP_BATCH = 2000


def dossier_deadlines_sweep(*, agency_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark the running dossiers of one competent agency on track, due soon (less than
    DEADLINE_WARNING_SHARE of the legal time left) or overdue, with an event row when that changes, so
    officers and leaders are warned and overdue dossiers escalate (DOMAIN §4.4). Dossiers whose clock is
    stopped keep their mark. Idempotent: a second run at the same moment changes nothing.

    Work is proportional to what changes: the running dossiers are read as plain values (one query), each
    mark is computed on the cumulative working-time table (constant time per dossier), and the changes are
    written set-based — one UPDATE per (previous mark, new mark) batch, guarded so that a dossier a person
    changed meanwhile is left to the next sweep — with event rows only for the dossiers actually updated."""
    now = now or timezone.now()
    calendar = load_calendar()
    share = _warning_share()
    scope = Q(competent_agency_id=agency_id) | Q(competent_agency__isnull=True, receiving_agency_id=agency_id)
    rows = list(
        Dossier.objects.filter(scope, state__in=selectors.running_states(), due_at__isnull=False).values_list(
            "pk", "state", "channel", "due_at", "clock_stopped_at", "deadline_status", "procedure_version_id"
        )
    )
    limits = selectors.legal_minutes_by_version(version_ids={row[6] for row in rows}, calendar=calendar)
    moves: dict[tuple[str, str], list[tuple]] = {}
    for pk, state, channel, due_at, stopped_at, previous, version_id in rows:
        status = deadlines.status(
            now=now,
            due_at=due_at,
            clock_stopped_at=stopped_at,
            total_minutes=selectors.legal_minutes_for(limits, version_id, channel),
            warning_share=share,
            calendar=calendar,
        )
        if status != previous:
            moves.setdefault((previous, status), []).append((pk, state, due_at))
    changed = {status: 0 for status in DeadlineStatus.values}
    for (previous, status), dossiers in sorted(moves.items()):
        for start in range(0, len(dossiers), SWEEP_BATCH):
            batch = dossiers[start : start + SWEEP_BATCH]
            changed[status] += _mark(batch, previous=previous, status=status, now=now)
    return changed


def _mark(batch: list[tuple], *, previous: str, status: str, now: dt.datetime) -> int:
    """Move one batch from `previous` to `status` and write an event for each dossier really moved. A dossier
    whose state, appointment or mark a person changed since it was read is skipped (the next sweep looks
    again). The batch's rows are locked while they are compared, so nobody changes them between the check
    and the update."""
    expected = {pk: (state, due_at) for pk, state, due_at in batch}
    with transaction.atomic():
        candidates = Dossier.objects.filter(pk__in=list(expected), deadline_status=previous)
        current = candidates.select_for_update().values_list("pk", "state", "due_at")
        moved = [pk for pk, state, due_at in current if expected[pk] == (state, due_at)]
        if not moved:
            return 0
        Dossier.objects.filter(pk__in=moved).update(deadline_status=status)
        reason = str(DeadlineStatus(status).label)
        DossierEvent.objects.bulk_create(
            [
                DossierEvent(
                    dossier_id=pk,
                    actor=None,
                    at=now,
                    action=EventAction.DEADLINE_WARNING,
                    from_state=expected[pk][0],
                    to_state=expected[pk][0],
                    reason=reason,
                    payload={"deadline_status": status, "previous": previous, "due_at": expected[pk][1]},
                    public=False,
                )
                for pk in moved
            ],
            batch_size=500,
        )
    return len(moved)


def _status(dossier: Dossier, *, now: dt.datetime, calendar: WorkingCalendar, warning_share: float) -> str:
    return deadlines.status(
        now=now,
        due_at=dossier.due_at,
        clock_stopped_at=dossier.clock_stopped_at,
        total_minutes=deadlines.legal_minutes(
            dossier.procedure_version.time_limit(dossier.channel), calendar
        ),
        warning_share=warning_share,
        calendar=calendar,
    )


def _check_before_due(dossier: Dossier, at: dt.datetime) -> None:
    if dossier.due_at is None:
        raise Conflict("Hồ sơ không có ngày hẹn trả kết quả.", code="no_due_date")
    if at >= dossier.due_at:
        raise Conflict(
            "Phiếu xin lỗi và hẹn lại phải được phát hành trước ngày hẹn trả kết quả "
            f"({timezone.localtime(dossier.due_at):%H:%M %d/%m/%Y}); hồ sơ đã quá hạn.",
            code="apology_too_late",
        )


def dossier_apology_draft(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    new_due_at: dt.datetime,
    at: dt.datetime | None = None,
) -> DossierApology:
    """The officer responsible drafts the apology with a new appointment and the reason for lateness
    (Phiếu xin lỗi và hẹn lại ngày trả kết quả, TT 01/2018/TT-VPCP Mẫu số 04; NĐ 118/2025/NĐ-CP: issued
    before the due date). A leader approves it before it reaches the applicant."""
    reason = reason_required(reason, what="lý do chậm trễ")
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_dossier(dossier, None)
        if not permissions.can_draft_apology(actor, locked):
            raise NotPermitted("Bạn không xử lý hồ sơ này nên không lập được phiếu xin lỗi.")
        if locked.state not in selectors.running_states():
            raise Conflict(
                f"Không lập phiếu xin lỗi khi hồ sơ đang ở trạng thái “{locked.get_state_display()}”.",
                code="not_running",
            )
        _check_before_due(locked, at)
        if new_due_at <= locked.due_at:
            raise field_error(
                "new_due_at",
                f"Ngày hẹn mới phải sau ngày hẹn hiện tại ({timezone.localtime(locked.due_at):%H:%M %d/%m/%Y}).",
            )
        apology = DossierApology.objects.create(
            dossier=locked,
            reason=reason,
            previous_due_at=locked.due_at,
            new_due_at=new_due_at,
            drafted_by=actor,
            drafted_at=at,
        )
        record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.APOLOGY_DRAFT,
            from_state=locked.state,
            at=at,
            reason=reason,
            payload={"apology_id": apology.pk, "new_due_at": new_due_at},
            public=False,
        )
    return apology


def dossier_apology_approve(
    *, apology: DossierApology, actor: User, at: dt.datetime | None = None
) -> DossierApology:
    """A leader of the competent agency approves the apology before the due date: the appointment moves to
    the new date (the original appointment stays recorded), the applicant sees it in the timeline and the
    form is printed."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_dossier(apology.dossier, None)
        apology = DossierApology.objects.select_for_update().get(pk=apology.pk)
        if not permissions.can_decide(actor, locked):
            raise NotPermitted("Chỉ lãnh đạo cơ quan giải quyết mới duyệt phiếu xin lỗi.")
        if apology.is_approved:
            raise Conflict("Phiếu xin lỗi này đã được duyệt.", code="already_approved")
        if locked.state not in selectors.running_states():
            raise Conflict(
                f"Không duyệt phiếu xin lỗi khi hồ sơ đang ở trạng thái “{locked.get_state_display()}”.",
                code="not_running",
            )
        if apology.previous_due_at != locked.due_at:
            raise Conflict(
                "Ngày hẹn của hồ sơ đã thay đổi sau khi lập phiếu; lập lại phiếu xin lỗi.",
                code="stale_apology",
            )
        _check_before_due(locked, at)
        locked.due_at = apology.new_due_at
        locked.deadline_status = _status(
            locked, now=at, calendar=load_calendar(), warning_share=_warning_share()
        )
        bump_version(locked, ["due_at", "deadline_status"])
        event = record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.APOLOGY,
            from_state=locked.state,
            at=at,
            reason=apology.reason,
            payload={
                "apology_id": apology.pk,
                "previous_due_at": apology.previous_due_at,
                "new_due_at": apology.new_due_at,
                "original_due_at": locked.original_due_at,
            },
            public=True,
        )
        apology.approved_by = actor
        apology.approved_at = at
        apology.event = event
        apology.save(update_fields=["approved_by", "approved_at", "event"])
        schedule_document(locked, DocumentKind.APOLOGY, event)
    return apology
