"""One dossier's life, replayed as the services would have written it: the dossier row, its events, its
handovers (closed with their outcome when the next one opens), transfers, apologies and obligations.

Each method mirrors one service of `dossiers.services` (the action, from/to state, the actor, the route, the
handover's step and step deadline, the payload); read them side by side when a service changes. Times are
POSIX seconds on the `IndexedCalendar`; the life stops at `now`, so recent dossiers are left in whatever
running state they had reached.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from portal.constants import Role
from procedures.constants import Channel

from ..constants import (
    LOOKUP_SECRET_ALPHABET,
    LOOKUP_SECRET_LENGTH,
    DeadlineStatus,
    Decision,
    DeliveryMethod,
    EventAction,
    Outcome,
)
from ..constants import DossierState as S
from ..services.handovers import DESK_DEPARTMENT
from .calendar import IndexedCalendar
from .province import Plan, Province, Staff, person_name

A = EventAction
HOUR = 3600.0


class Stop(Exception):
    """The next thing would happen after `now`: the dossier stays where it is."""


@dataclass
class Rows:
    """What one chunk of dossiers adds, with ids local to the chunk (offsets are added when writing)."""

    dossiers: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    handovers: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    apologies: list[dict] = field(default_factory=list)
    obligations: list[dict] = field(default_factory=list)


class Life:
    """The simulation of one dossier; `rows` collects what it writes."""

    def __init__(self, *, rng: random.Random, cal: IndexedCalendar, province: Province, rows: Rows, now: float,
                 dossier_id: int, plan: Plan, channel: int, desk_id: int, competent_id: int, settings: dict):  # fmt: skip
        self.rng, self.cal, self.p, self.rows, self.now = rng, cal, province, rows, now
        self.plan, self.channel, self.settings = plan, channel, settings
        self.desk_id, self.competent_id = desk_id, competent_id
        self.limit = plan.limit(channel)
        citizen = rng.choice(province.citizens) if province.citizens else None
        with_account = citizen is not None and (channel == Channel.ONLINE or rng.random() < 0.35)
        delivery = DeliveryMethod.DESK
        if channel == Channel.POSTAL or (plan.allows_postal and rng.random() < 0.06):
            delivery = DeliveryMethod.POST
        elif with_account and channel == Channel.ONLINE and rng.random() < 0.4:
            delivery = DeliveryMethod.ELECTRONIC
        name = citizen[1] if with_account else person_name(rng)
        address = citizen[3] if with_account else f"{rng.randint(1, 300)} đường số {rng.randint(1, 40)}"
        self.d = {
            "id": dossier_id,
            "procedure_version_id": plan.version_id,
            "channel": int(channel),
            "applicant_id": citizen[0] if with_account else None,
            "created_by_id": citizen[0] if with_account and channel == Channel.ONLINE else None,
            "applicant_name": name,
            "applicant_id_number": citizen[2] if with_account else f"0568{rng.randint(0, 99999999):08d}",
            "applicant_address": address,
            "applicant_phone": f"09{rng.randint(0, 99999999):08d}",
            "form_data": {},
            "delivery_method": delivery,
            "postal_address": address if delivery == DeliveryMethod.POST else "",
            "competent_agency_id": competent_id,
            "receiving_agency_id": desk_id if channel != Channel.ONLINE else None,
            "state": S.DRAFT,
            "version": 1,
            "supplement_count": 0,
            "deadline_status": DeadlineStatus.ON_TRACK,
            "current_department": "",
            "current_role": "",
            "code": None,
        }
        self.open_handover: dict | None = None
        self.last_submitter: int | None = None
        self.staff: Staff = province.staff[competent_id]
        self.desk_staff: Staff = province.staff[desk_id]
        self.specialist = rng.choice(self.staff.specialists)
        self.intake = rng.choice(self.desk_staff.intake)
        self.approver = rng.choice(self.staff.approvers)
        self.leader = self.staff.leaders[0] if self.staff.leaders else self.approver

    # ---- the row writers shared by every transition (services/core.py, services/handovers.py) ----
    def at(self, t: float) -> float:
        if t > self.now:
            raise Stop
        return t

    def event(self, action: str, t: float, to_state: str, *, actor: int | None, reason: str = "",
              payload: dict | None = None, public: bool = True, bump: bool = True) -> dict:  # fmt: skip
        row = {
            "id": len(self.rows.events),
            "dossier_id": self.d["id"],
            "actor_id": actor,
            "at": t,
            "action": action,
            "from_state": self.d["state"],
            "to_state": to_state,
            "reason": reason,
            "payload": payload or {},
            "public": public,
        }
        self.rows.events.append(row)
        self.d["state"] = to_state
        if bump:
            self.d["version"] += 1
        return row

    def route(
        self, agency: int | None = None, department: str = "", role: str = "", handler: int | None = None
    ):
        self.d.update(current_agency_id=agency, current_department=department, current_role=role,
                      current_handler_id=handler)  # fmt: skip

    def close_open(self, t: float) -> dict | None:
        previous = self.open_handover
        if previous is not None:
            previous["completed_at"] = t
            previous["outcome"] = self.outcome(t, previous["step_due_at"])
            self.open_handover = None
        return previous

    def outcome(self, finished: float, due: float | None) -> str:
        if due is None:
            return ""
        if finished > due:
            return Outcome.LATE
        if self.cal.local_date(finished) < self.cal.local_date(due):
            return Outcome.EARLY
        return Outcome.ON_TIME

    def share_seconds(self, share: float) -> float | None:
        return None if self.limit is None else share / 100 * self.limit

    def hand_over(self, event: dict, *, from_user: int | None, step_id: int | None, to_user=None, to_agency=None,
                  to_department: str = "", to_role: str = "", step_due=None, due_from_step: bool = True,
                  seconds: float | None = None, share: float = 0.0, note: str = "", final: bool = False) -> dict:  # fmt: skip
        t = event["at"]
        previous = self.close_open(t)
        if due_from_step:
            if (
                previous is not None
                and step_id is not None
                and previous["step_id"] == step_id
                and previous["step_due_at"] is not None
            ):
                step_due = previous["step_due_at"]
            else:
                if seconds is None and step_id is not None:
                    seconds = self.share_seconds(share)
                step_due = self.cal.step_due(t, seconds, self.d.get("due_at"))
        row = {
            "id": len(self.rows.handovers),
            "dossier_id": self.d["id"],
            "event_id": event["id"],
            "action": event["action"],
            "step_id": step_id,
            "from_user_id": from_user,
            "from_agency_id": previous["to_agency_id"] if previous else self.d["receiving_agency_id"],
            "to_user_id": to_user,
            "to_agency_id": to_agency,
            "to_department": to_department,
            "to_role": to_role,
            "handed_at": t,
            "step_due_at": step_due,
            "completed_at": t if final else None,
            "outcome": self.outcome(t, step_due) if final else "",
            "note": note,
        }
        self.rows.handovers.append(row)
        self.open_handover = None if final else row
        return row

    def along_route(
        self, event: dict, *, actor: int | None, step_id, share: float, seconds=None, note: str = ""
    ):
        return self.hand_over(
            event,
            from_user=actor,
            step_id=step_id,
            to_user=self.d["current_handler_id"],
            to_agency=self.d["current_agency_id"],
            to_department=self.d["current_department"],
            to_role=self.d["current_role"],
            share=share,
            seconds=seconds,
            note=note,
        )

    def working(self, t: float, seconds: float) -> float:
        return self.at(self.cal.add_working_seconds(t, max(seconds, 60.0)))

    # ---- filing and reception (services/filing.py, services/reception.py) ----
    def submit(self, t: float) -> None:
        self.d["created_at"] = t - self.rng.uniform(300, 3 * HOUR)
        self.at(t)
        self.d["submitted_at"] = t
        self.event(A.SUBMIT, t, S.SUBMITTED, actor=self.d["applicant_id"])

    def request_completion(self, t: float, completed: float) -> float:
        self.d["receiving_agency_id"] = self.desk_id
        self.event(A.REQUEST_COMPLETION, t, S.SUPPLEMENT_REQUESTED, actor=self.intake,
                   reason="Bổ sung bản chụp giấy tờ còn thiếu, ảnh chụp rõ nét.", payload={"components": []})  # fmt: skip
        t = self.at(completed)
        self.d["submitted_at"] = t
        self.event(A.COMPLETE, t, S.SUBMITTED, actor=self.d["applicant_id"])
        return t

    def reception(
        self, t: float, action: str, to_state: str, *, due: bool, reason: str = "", payload=None
    ) -> dict:
        self.d.update(received_at=t, received_by_id=self.intake, receiving_agency_id=self.desk_id,
                      lookup_secret="".join(self.rng.choices(LOOKUP_SECRET_ALPHABET, k=LOOKUP_SECRET_LENGTH)))  # fmt: skip
        self.d["code"] = ""  # numbered per desk and day once the chunk is complete
        if due:
            appointment = None if self.limit is None else self.cal.appointment(t, self.limit)
            self.d["due_at"] = self.d["original_due_at"] = appointment
            self.route(self.desk_id, "", "intake", self.intake)
        return self.event(action, t, to_state, actor=self.intake, reason=reason, payload=payload)

    def receive(self, t: float) -> None:
        if self.channel == Channel.ONLINE:
            event = self.reception(t, A.RECEIVE, S.RECEIVED, due=True)
        else:
            self.d["created_at"] = t - self.rng.uniform(60, 900)
            self.d["created_by_id"] = self.intake
            self.d["submitted_at"] = t
            action = A.RECEIVE_AT_COUNTER if self.channel == Channel.COUNTER else A.RECEIVE_BY_POST
            event = self.reception(t, action, S.RECEIVED, due=True,
                                   payload={"digitised_files": self.rng.randint(1, 4)})  # fmt: skip
        step = self.plan.intake
        self.hand_over(event, from_user=self.d["applicant_id"], step_id=step.id, to_user=self.intake,
                       to_agency=self.desk_id, to_department=step.department or DESK_DEPARTMENT,
                       to_role=Role.INTAKE_OFFICER, share=step.share)  # fmt: skip
        self.open_handover["from_agency_id"] = None

    def refuse(self, t: float) -> None:
        self.reception(
            t, A.REFUSE, S.REFUSED, due=False, reason="Hồ sơ không thuộc thẩm quyền tiếp nhận của cơ quan."
        )
        self.d["finished_at"] = t

    def withdraw(self, t: float) -> None:
        self.d["finished_at"] = t
        self.route()
        self.event(
            A.WITHDRAW, t, S.WITHDRAWN, actor=self.d["applicant_id"], reason="Người nộp xin rút hồ sơ."
        )
        self.close_open(t)

    # ---- processing (services/routing.py, decision.py, waiting.py, transfer.py, delivery.py) ----
    def forward(self, t: float) -> None:
        step = self.plan.specialist
        self.route(self.competent_id, step.department, Role.SPECIALIST)
        event = self.event(A.FORWARD, t, S.ASSIGNED, actor=self.intake)
        self.along_route(event, actor=self.intake, step_id=step.id, share=step.share)

    def assign(self, t: float) -> None:
        state = S.APPRAISING
        self.route(self.competent_id, self.d["current_department"], Role.SPECIALIST, self.specialist)
        name = self.p.officer_names.get(self.specialist, "")
        event = self.event(A.ASSIGN, t, state, actor=self.approver, reason=f"Phân công: {name}",
                           payload={"specialist_id": self.specialist, "auto": False}, public=False)  # fmt: skip
        previous = self.open_handover
        self.along_route(event, actor=self.approver, step_id=previous["step_id"] if previous else None,
                         share=self.plan.specialist.share)  # fmt: skip

    def remaining_step(self, t: float) -> tuple[int | None, float | None]:
        current = self.open_handover
        if current is None or current["step_due_at"] is None:
            return (current["step_id"] if current else None), None
        return current["step_id"], max(self.cal.working_seconds_between(t, current["step_due_at"]), 0) / 60

    def wait_for_applicant(
        self, t: float, action: str, state: str, *, reason: str, payload: dict, stop_clock: bool
    ):
        step_id, minutes = self.remaining_step(t)
        payload = {**payload, "step_id": step_id, "step_remaining_minutes": minutes}
        self.d["clock_stopped_at"] = t if stop_clock else None
        self.route(self.d["current_agency_id"], self.d["current_department"], Role.CITIZEN,
                   self.d["current_handler_id"])  # fmt: skip
        event = self.event(action, t, state, actor=self.specialist, reason=reason, payload=payload)
        self.hand_over(event, from_user=self.specialist, step_id=None, to_user=self.d["applicant_id"],
                       to_role=Role.CITIZEN, due_from_step=False, step_due=None, note=reason)  # fmt: skip
        return event

    def restart(self, t: float, action: str, state: str, request: dict, *, actor, reason: str, payload: dict,
                with_wait_payload: bool) -> None:  # fmt: skip
        previous_due = self.d.get("due_at")
        waited = 0.0
        due = previous_due
        if self.d.get("clock_stopped_at") is not None and previous_due is not None:
            waited = max(self.cal.working_seconds_between(self.d["clock_stopped_at"], t), 0.0)
            if waited:
                due = self.cal.add_working_seconds(previous_due, waited)
        self.d["clock_stopped_at"] = None
        self.d["due_at"] = due
        self.route(self.d["current_agency_id"], self.d["current_department"], Role.SPECIALIST,
                   self.d["current_handler_id"])  # fmt: skip
        if with_wait_payload:
            payload = {
                "waited_minutes": round(waited / 60, 1),
                "previous_due_at": previous_due,
                "due_at": due,
            }
        event = self.event(action, t, state, actor=actor, reason=reason, payload=payload)
        minutes = request["payload"].get("step_remaining_minutes")
        self.along_route(event, actor=actor, step_id=request["payload"].get("step_id"),
                         share=self.plan.specialist.share, seconds=None if minutes is None else minutes * 60,
                         note=reason)  # fmt: skip

    def supplement_round(self, t: float) -> float:
        count = self.d["supplement_count"] + 1
        request = self.wait_for_applicant(
            t, A.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED,
            reason="Đề nghị bổ sung giấy tờ chứng minh nơi cư trú và bản sao giấy tờ nhân thân.",
            payload={"components": [], "count": count, "last_file_id": 0}, stop_clock=True,
        )  # fmt: skip
        self.d["supplement_count"] = count
        t = self.at(t + self.rng.uniform(4 * HOUR, 12 * 24 * HOUR))
        at_desk = self.rng.random() < 0.5
        note = (
            "Người nộp bổ sung hồ sơ trực tiếp tại bộ phận một cửa."
            if at_desk
            else "Người nộp đã bổ sung hồ sơ trực tuyến."
        )
        actor = self.intake if at_desk or not self.d["applicant_id"] else self.d["applicant_id"]
        self.restart(t, A.SUPPLEMENT, S.SUPPLEMENT_RECEIVED, request, actor=actor, reason=note, payload={},
                     with_wait_payload=True)  # fmt: skip
        return t

    def payment_round(self, t: float) -> float:
        amount = self.rng.choice([50000, 100000, 250000, 500000, 1250000])
        description = "Lệ phí cấp giấy chứng nhận"
        money = f"{amount:,.0f} ₫".replace(",", ".")
        stops = self.settings["payment_stops_clock"]
        request = self.wait_for_applicant(
            t, A.REQUEST_PAYMENT, S.AWAITING_PAYMENT, reason=f"{description}: {money}",
            payload={"amount": str(amount), "description": description}, stop_clock=stops,
        )  # fmt: skip
        obligation = {"id": len(self.rows.obligations), "dossier_id": self.d["id"], "description": description,
                      "amount": amount, "requested_by_id": self.specialist, "requested_at": t,
                      "paid_amount": None, "paid_at": None, "receipt_number": "", "payment_channel": "",
                      "recorded_by_id": None}  # fmt: skip
        self.rows.obligations.append(obligation)
        t = self.at(t + self.rng.uniform(2 * HOUR, 6 * 24 * HOUR))
        receipt = f"BL{self.d['id']:08d}"
        obligation.update(paid_amount=amount, paid_at=t, receipt_number=receipt, payment_channel="desk",
                          recorded_by_id=self.intake)  # fmt: skip
        if not stops:
            request = {"payload": {}}
        self.restart(t, A.RECORD_PAYMENT, S.APPRAISING, request, actor=self.intake,
                     reason=f"Đã nộp {money}, biên lai số {receipt}.",
                     payload={"amount": str(amount), "receipt_number": receipt, "channel": "desk"},
                     with_wait_payload=False)  # fmt: skip
        return t

    def transfer_round(self, t: float) -> float:
        targets = [
            a for a in [*self.p.transfer_targets, self.p.police_id] if a != self.d["current_agency_id"]
        ]
        to_agency = self.rng.choice(targets)
        request = "Đề nghị phối hợp xác minh thông tin liên quan đến hồ sơ."
        from_agency, from_department = self.d["current_agency_id"], self.d["current_department"]
        self.route(to_agency, "", Role.SPECIALIST)
        event = self.event(A.TRANSFER, t, S.TRANSFERRED, actor=self.specialist,
                           reason="Chuyển liên thông.", payload={"to_agency_id": to_agency, "request": request,
                                                                  "due_at": None})  # fmt: skip
        transfer = {"id": len(self.rows.transfers), "dossier_id": self.d["id"], "from_agency_id": from_agency,
                    "from_department": from_department, "to_agency_id": to_agency, "sent_by_id": self.specialist,
                    "sent_at": t, "request": request, "due_at": None, "returned_by_id": None,
                    "returned_at": None, "response": "", "response_file": "", "response_file_name": ""}  # fmt: skip
        self.rows.transfers.append(transfer)
        self.hand_over(event, from_user=self.specialist, step_id=None, to_agency=to_agency,
                       to_role=Role.SPECIALIST, due_from_step=False, step_due=self.d.get("due_at"),
                       note=request)  # fmt: skip
        t = self.working(t, self.rng.uniform(2 * HOUR, 3 * 8 * HOUR))
        partner = self.p.staff.get(to_agency)
        actor = partner.specialists[0] if partner and partner.specialists else None
        response = "Cơ quan phối hợp đã xác minh, thông tin phù hợp."
        transfer.update(returned_at=t, returned_by_id=actor, response=response)
        self.route(from_agency, from_department, Role.SPECIALIST, self.specialist)
        event = self.event(A.RETURN_TRANSFER, t, S.APPRAISING, actor=actor,
                           reason="Cơ quan phối hợp đã trả kết quả liên thông.", payload={"response": response})  # fmt: skip
        self.hand_over(event, from_user=actor, step_id=None, to_user=self.specialist, to_agency=from_agency,
                       to_department=from_department, to_role=Role.SPECIALIST, due_from_step=False,
                       step_due=self.d.get("due_at"), note=response)  # fmt: skip
        return t

    def submit_for_approval(self, t: float, decision: str) -> None:
        step = self.plan.approver
        self.d["decision"] = decision
        self.route(
            self.d["current_agency_id"], step.department or self.d["current_department"], Role.APPROVER
        )
        self.last_submitter = self.specialist
        prefix = "KQ" if decision == Decision.GRANT else "TUCHOI"
        result = {"title": "Kết quả giải quyết" if decision == Decision.GRANT else
                  "Văn bản trả lời từ chối giải quyết hồ sơ", "number": "",
                  "document_type_code": f"{prefix}.{self.plan.code}", "document_type_name": self.plan.name[:300]}  # fmt: skip
        opinion = (
            "Hồ sơ đủ điều kiện, đề nghị giải quyết."
            if decision == Decision.GRANT
            else "Hồ sơ không đủ điều kiện giải quyết theo quy định."
        )
        event = self.event(A.SUBMIT_FOR_APPROVAL, t, S.AWAITING_APPROVAL, actor=self.specialist, reason=opinion,
                           payload={"decision": decision, "result": result}, public=False)  # fmt: skip
        self.along_route(event, actor=self.specialist, step_id=step.id, share=step.share)

    def return_for_rework(self, t: float) -> None:
        step = self.plan.specialist
        reason = "Đề nghị rà soát lại căn cứ pháp lý trong dự thảo kết quả."
        self.route(self.d["current_agency_id"], step.department or self.d["current_department"], Role.SPECIALIST,
                   self.last_submitter)  # fmt: skip
        event = self.event(A.RETURN_FOR_REWORK, t, S.RETURNED_FOR_REWORK, actor=self.approver, reason=reason,
                           public=False)  # fmt: skip
        self.along_route(event, actor=self.approver, step_id=step.id, share=step.share, note=reason)

    def apology(self, t: float) -> float:
        due = self.d["due_at"]
        new_due = self.cal.add_working_seconds(due, self.rng.choice([1, 2, 3, 5]) * self.cal.day_seconds)
        apology_id = len(self.rows.apologies)
        reason = "Hồ sơ cần xác minh thêm với cơ quan liên quan nên chưa kịp trả kết quả đúng hẹn."
        self.event(A.APOLOGY_DRAFT, t, self.d["state"], actor=self.specialist, reason=reason,
                   payload={"apology_id": apology_id, "new_due_at": new_due}, public=False, bump=False)  # fmt: skip
        approved = self.at(min(t + self.rng.uniform(0.5 * HOUR, 4 * HOUR), due - 60))
        event = self.event(A.APOLOGY, approved, self.d["state"], actor=self.leader, reason=reason,
                           payload={"apology_id": apology_id, "previous_due_at": due, "new_due_at": new_due,
                                    "original_due_at": self.d["original_due_at"]})  # fmt: skip
        self.rows.apologies.append({"id": apology_id, "dossier_id": self.d["id"], "reason": reason,
                                    "previous_due_at": due, "new_due_at": new_due, "drafted_by_id": self.specialist,
                                    "drafted_at": t, "approved_by_id": self.leader, "approved_at": approved,
                                    "event_id": event["id"]})  # fmt: skip
        self.d["due_at"] = new_due
        return approved

    def approve(self, t: float) -> None:
        step = self.plan.intake_last
        self.d["finished_at"] = t
        self.route(self.d["receiving_agency_id"], step.department or DESK_DEPARTMENT, Role.INTAKE_OFFICER)
        event = self.event(A.APPROVE, t, S.RESULT_READY, actor=self.approver)
        self.along_route(event, actor=self.approver, step_id=step.id, share=step.share)

    def deliver(self, t: float, *, system: bool = False) -> None:
        method = self.d["delivery_method"]
        collected, tracking, actor = "", "", None if system else self.intake
        if method == DeliveryMethod.DESK:
            collected = self.d["applicant_name"]
            note = f"Trả kết quả tại bộ phận một cửa cho {collected}."
        elif method == DeliveryMethod.POST:
            tracking = f"EB{self.d['id'] % 1000000000:09d}VN"
            note = f"Gửi kết quả qua bưu chính công ích, số hiệu bưu gửi {tracking}."
        else:
            note = "Kết quả điện tử đã được đưa vào Kho dữ liệu của người nộp."
        self.d.update(delivered_at=t, collected_by=collected, postal_tracking_number=tracking)
        self.route()
        event = self.event(A.DELIVER, t, S.DELIVERED, actor=actor, reason=note,
                           payload={"method": method, "collected_by": collected, "tracking_number": tracking})  # fmt: skip
        self.hand_over(event, from_user=actor, step_id=None, to_user=self.d["applicant_id"], to_role=Role.CITIZEN,
                       due_from_step=False, step_due=self.d.get("due_at"), final=True, note=note)  # fmt: skip

    def stop(self, t: float) -> None:
        self.d.update(finished_at=t, clock_stopped_at=None)
        self.route()
        self.event(A.STOP, t, S.STOPPED, actor=self.leader,
                   reason="Người nộp không bổ sung hồ sơ trong thời hạn đã hẹn.")  # fmt: skip
        self.close_open(t)
