"""Waiting for the applicant during processing: a supplement request (status 5) and a financial obligation
(status 6). The clock stops while the dossier waits and the appointment moves by the time waited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.storage import files_removed_on_rollback
from portal.working_time import load_calendar
from repository.selectors import component_is_held

from .. import deadlines, permissions
from ..constants import DocumentKind, DossierState, EventAction
from ..models import Dossier, DossierEvent, DossierObligation
from .core import (
    Transition,
    check_component,
    field_error,
    last_event,
    reason_required,
    record_event,
    schedule_document,
    store_upload,
    transition,
)
from .filing import ComponentUpload
from .handovers import (
    hand_back_after_wait,
    hand_to_applicant,
    payment_stops_clock,
    remaining_step_minutes,
    route_keeping_handler,
)

if TYPE_CHECKING:
    from portal.models import User
    from procedures.models import Component


def _component_held(dossier: Dossier, component: Component) -> bool:
    """Whether the applicant already holds, valid and reusable, a document of this component's type."""
    return component_is_held(dossier, component)


def _check_not_held(dossier: Dossier, components: Iterable[Component]) -> None:
    """Once-only (NĐ 45/2020/NĐ-CP Điều 9): what the applicant's Kho dữ liệu holds is not asked for again."""
    held = [c for c in components if _component_held(dossier, c)]
    if held:
        names = "; ".join(c.name for c in held)
        message = (
            f"Người nộp đã có trong Kho dữ liệu giấy tờ còn hiệu lực: {names}. Không yêu cầu nộp lại; "
            "cán bộ khai thác giấy tờ này từ Kho dữ liệu."
        )
        raise ApplicationError(message, code="held_in_kho", extra={"errors": {"components": message}})


def dossier_request_supplement(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    components: Iterable[Component] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist asks the applicant, once and completely, for what is missing and why (status 5, Phiếu
    yêu cầu bổ sung, hoàn thiện hồ sơ, TT 01/2018/TT-VPCP Mẫu số 02). The clock stops until the applicant
    supplements (DOMAIN §4.4); the request is counted: two or more count as late in the index
    (QĐ 766/QĐ-TTg). Components the applicant already holds in Kho dữ liệu are not asked for again."""
    reason = reason_required(reason, what="nội dung cần bổ sung, hoàn thiện và lý do")
    components = list(components)
    for component in components:
        check_component(dossier, component)
    _check_not_held(dossier, components)
    at = at or timezone.now()
    calendar = load_calendar()
    with transition(
        dossier, actor=actor, method="request_supplement", expected_version=expected_version
    ) as t:
        locked = t.dossier
        step_id, minutes = remaining_step_minutes(locked, at, calendar)
        last_file = locked.files.order_by("-pk").values_list("pk", flat=True).first() or 0
        event = t.apply(
            EventAction.REQUEST_SUPPLEMENT,
            at=at,
            arguments={"at": at, "route": route_keeping_handler(locked, Role.CITIZEN)},
            reason=reason,
            payload={
                "components": [{"id": c.pk, "name": c.name} for c in components],
                "step_id": step_id,
                "step_remaining_minutes": minutes,
                "count": locked.supplement_count + 1,
                # Files above this id were added for the supplement (the applicant may still remove those).
                "last_file_id": last_file,
            },
        )
        hand_to_applicant(dossier=locked, event=event, actor=actor, note=reason, calendar=calendar)
        schedule_document(locked, DocumentKind.SUPPLEMENT_REQUEST, event)
    return locked


def _missing_after_request(locked: Dossier, request: DossierEvent | None) -> list[str]:
    """Requested components that have received no file since the request."""
    if request is None:
        return []
    requested = {c["id"]: c["name"] for c in request.payload.get("components", [])}
    supplied = set(
        locked.files.filter(
            pk__gt=request.payload.get("last_file_id", 0), component_id__in=requested
        ).values_list("component_id", flat=True)
    )
    return [name for pk, name in requested.items() if pk not in supplied]


def _supplement(change: Transition, *, actor: User, at: dt.datetime, note: str) -> None:
    """The supplement transition once the files are in: every requested component has a new file, the
    appointment moves by the time waited, and the dossier goes back to the specialist."""
    calendar = load_calendar()
    locked = change.dossier
    request = last_event(locked, EventAction.REQUEST_SUPPLEMENT)
    missing = _missing_after_request(locked, request)
    if missing:
        problems = [f"Chưa bổ sung: {name}." for name in missing]
        raise ApplicationError(
            "Hồ sơ chưa bổ sung đủ.", code="incomplete_supplement", extra={"problems": problems}
        )
    previous_due_at = locked.due_at
    restart = deadlines.clock_restart(
        due_at=locked.due_at, stopped_at=locked.clock_stopped_at, resumed_at=at, calendar=calendar
    )
    event = change.apply(
        EventAction.SUPPLEMENT,
        at=at,
        arguments={"due_at": restart.due_at, "route": route_keeping_handler(locked, Role.SPECIALIST)},
        reason=note,
        payload={
            "waited_minutes": round(restart.waited_minutes, 1),
            "previous_due_at": previous_due_at,
            "due_at": restart.due_at,
        },
    )
    hand_back_after_wait(
        dossier=locked, event=event, actor=actor, request=request, note=note, calendar=calendar
    )
    if request is not None:
        # The request printed again, now with the new appointment.
        schedule_document(locked, DocumentKind.SUPPLEMENT_REQUEST, event)


def dossier_supplement_complete(
    *, dossier: Dossier, actor: User, expected_version: int | None = None, at: dt.datetime | None = None
) -> Dossier:
    """The applicant sends the supplemented dossier back online. The clock restarts: the appointment moves
    by the working time spent waiting (supplement time is excluded, DOMAIN §4.4); the original one is kept."""
    at = at or timezone.now()
    with transition(dossier, actor=actor, method="supplement", expected_version=expected_version) as t:
        _supplement(t, actor=actor, at=at, note="Người nộp đã bổ sung hồ sơ trực tuyến.")
    return t.dossier


def dossier_supplement_at_desk(
    *,
    dossier: Dossier,
    actor: User,
    uploads: list[ComponentUpload],
    note: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The applicant brings the missing papers to the desk that received the dossier; the officer scans
    them (marked digitised) and the dossier goes back to the specialist."""
    at = at or timezone.now()
    if not uploads:
        raise field_error("uploads", "Quét ít nhất một giấy tờ người nộp mang đến bổ sung.")
    note = (note or "").strip() or "Người nộp bổ sung hồ sơ trực tiếp tại bộ phận một cửa."
    with (
        files_removed_on_rollback() as files,
        transition(dossier, actor=actor, method="supplement", expected_version=expected_version) as t,
    ):
        locked = t.dossier
        if locked.receiving_agency_id not in permissions.intake_agency_ids(actor):
            raise NotPermitted("Chỉ bộ phận một cửa đã tiếp nhận hồ sơ mới nhận bổ sung trực tiếp.")
        for upload in uploads:
            check_component(locked, upload.component)
            store_upload(
                dossier=locked,
                component=upload.component,
                upload=upload.upload,
                actor=actor,
                digitised=True,
                files=files,
            )
        _supplement(t, actor=actor, at=at, note=note)
    return locked


def dossier_request_payment(
    *,
    dossier: Dossier,
    actor: User,
    amount: Decimal,
    description: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The specialist asks the applicant to pay an amount known only after appraisal (status 6, Yêu cầu thực
    hiện nghĩa vụ tài chính). While waiting the clock stops when DOSSIER_PAYMENT_STOPS_CLOCK is on (time to
    fulfil financial obligations is not counted in the processing time) [configurable]."""
    description = (description or "").strip()
    errors = {}
    if len(description) < 5:
        errors["description"] = "Nhập nội dung khoản phải nộp (ví dụ: Lệ phí trước bạ)."
    if amount is None or amount <= 0 or amount != amount.quantize(Decimal(1)):
        errors["amount"] = "Số tiền phải là số đồng, lớn hơn 0."
    if errors:
        raise ApplicationError("Thông tin chưa hợp lệ.", code="invalid_obligation", extra={"errors": errors})
    at = at or timezone.now()
    calendar = load_calendar()
    note = f"{description}: {_money(amount)}"
    with transition(dossier, actor=actor, method="request_payment", expected_version=expected_version) as t:
        locked = t.dossier
        step_id, minutes = remaining_step_minutes(locked, at, calendar)
        event = t.apply(
            EventAction.REQUEST_PAYMENT,
            at=at,
            arguments={
                "at": at,
                "stop_clock": payment_stops_clock(),
                "route": route_keeping_handler(locked, Role.CITIZEN),
            },
            reason=note,
            payload={
                "amount": str(amount),
                "description": description,
                "step_id": step_id,
                "step_remaining_minutes": minutes,
            },
        )
        DossierObligation.objects.create(
            dossier=locked, description=description, amount=amount, requested_by=actor, requested_at=at
        )
        hand_to_applicant(dossier=locked, event=event, actor=actor, note=note, calendar=calendar)
    return locked


def _money(amount: Decimal) -> str:
    return f"{amount:,.0f} ₫".replace(",", ".")


def dossier_record_payment(
    *,
    dossier: Dossier,
    actor: User | None,
    amount: Decimal,
    receipt_number: str,
    channel: str = "desk",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
    system: bool = False,
    online: bool = False,
) -> Dossier:
    """Record that the outstanding obligation was paid — at the desk with the receipt number for now; the
    payments module calls this with `system=True` on a verified provider notification. The amount must be
    the full amount owed; the dossier returns to the specialist and the clock restarts."""
    receipt_number = (receipt_number or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9/\-.]{3,60}", receipt_number):
        raise field_error("receipt_number", "Nhập số biên lai (chữ, số, dấu / - .).")
    at = at or timezone.now()
    calendar = load_calendar()
    with transition(
        dossier, actor=actor, method="record_payment", expected_version=expected_version, system=system
    ) as t:
        locked = t.dossier
        outstanding = list(DossierObligation.objects.filter(dossier=locked, paid_at__isnull=True))
        owed = sum((o.amount for o in outstanding), Decimal(0))
        if not outstanding:
            raise Conflict("Hồ sơ không còn khoản nào phải nộp.", code="nothing_owed")
        if amount != owed:
            raise field_error(
                "amount", f"Số tiền phải nộp là {_money(owed)}; số tiền đã nhập {_money(amount)}."
            )
        if online:
            locked.paid_online = True
        restart = deadlines.clock_restart(
            due_at=locked.due_at, stopped_at=locked.clock_stopped_at, resumed_at=at, calendar=calendar
        )
        event = t.apply(
            EventAction.RECORD_PAYMENT,
            at=at,
            arguments={"due_at": restart.due_at, "route": route_keeping_handler(locked, Role.SPECIALIST)},
            reason=f"Đã nộp {_money(amount)}, biên lai số {receipt_number}.",
            payload={
                "amount": str(amount),
                "receipt_number": receipt_number,
                "channel": channel,
                # The appointment before and after the wait, as the supplement records it (read by the index).
                "previous_due_at": locked.due_at,
                "due_at": restart.due_at,
            },
        )
        for obligation in outstanding:
            obligation.paid_amount = obligation.amount
            obligation.paid_at = at
            obligation.receipt_number = receipt_number
            obligation.payment_channel = channel
            obligation.recorded_by = actor
            obligation.save(
                update_fields=["paid_amount", "paid_at", "receipt_number", "payment_channel", "recorded_by"]
            )
        # The step's time left was frozen only if the payment stopped the clock; otherwise it ran on.
        hand_back_after_wait(
            dossier=locked,
            event=event,
            actor=actor,
            request=last_event(locked, EventAction.REQUEST_PAYMENT),
            resume_step_time=payment_stops_clock(),
            calendar=calendar,
        )
    return locked


def dossier_record_online_payment(
    *,
    dossier: Dossier,
    amount: Decimal,
    receipt_number: str,
    provider: str,
    settles_obligations: bool,
    at: dt.datetime | None = None,
) -> Dossier:
    """A fee paid online and verified by the provider (its signed notification or a status query), never by
    the browser. The dossier is marked DuocThanhToanTrucTuyen (QĐ 766/QĐ-TTg index, national sync). When the
    payment settles the obligation the dossier waits for (status 6), processing resumes through the
    record-payment transition (the clock restarts); otherwise the payment is written to the timeline."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        owed = sum(
            (o.amount for o in DossierObligation.objects.filter(dossier=locked, paid_at__isnull=True)),
            Decimal(0),
        )
        if settles_obligations and locked.state == DossierState.AWAITING_PAYMENT and owed == amount:
            return dossier_record_payment(
                dossier=locked,
                actor=None,
                amount=amount,
                receipt_number=receipt_number,
                channel=provider,
                at=at,
                system=True,
                online=True,
            )
        from_state = locked.state
        locked.paid_online = True
        locked.version = F("version") + 1
        locked.save(update_fields=["paid_online", "version"])
        locked.refresh_from_db(fields=["version"])
        record_event(
            dossier=locked,
            actor=None,
            action=EventAction.PAY_ONLINE,
            from_state=from_state,
            at=at,
            reason=f"Đã thanh toán trực tuyến {_money(amount)}, biên lai số {receipt_number}.",
            payload={"amount": str(amount), "receipt_number": receipt_number, "channel": provider},
        )
    return locked


def dossiers_mark_paid_online(*, dossier_ids: list[int]) -> int:
    """Bulk form for generated history (the scale generator): mark dossiers whose fee was settled online
    (DuocThanhToanTrucTuyen), without events — the generator writes its own history. Live payments go
    through `dossier_record_online_payment`."""
    if not dossier_ids:
        return 0
    return Dossier.objects.filter(pk__in=dossier_ids, paid_online=False).update(paid_online=True)
