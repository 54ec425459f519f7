"""Dossiers of a run of consecutive days: who files what, when, by which channel, and how far each got.

A chunk owns every dossier *received* (or, for those never received, submitted) on its days, so dossier codes,
numbered per desk and day, never cross chunks. Its random stream is seeded by the run's seed and the chunk's
first day: the same seed gives the same rows whatever the number of worker processes.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from dataclasses import dataclass

from django.conf import settings

from procedures.constants import Channel

from ..constants import FINAL_STATES, DeadlineStatus, Decision, DeliveryMethod, EventAction
from ..constants import DossierState as S
from ..services.codes import DEFAULT_CODE_PATTERN
from .calendar import IndexedCalendar
from .lifecycle import HOUR, Life, Rows, Stop
from .province import Province

RUNNING_FOR_SWEEP = (
    S.RECEIVED, S.ASSIGNED, S.APPRAISING, S.AWAITING_APPROVAL, S.RETURNED_FOR_REWORK, S.TRANSFERRED,
    S.SUPPLEMENT_RECEIVED,
)  # fmt: skip
PAYMENT_FIELDS = {"DD", "XD", "DN", "MT"}


@dataclass(frozen=True)
class ChunkSpec:
    index: int
    days: tuple[tuple[dt.date, int], ...]  # (day, dossiers anchored on it)
    first_dossier: int  # index of its first dossier in the whole run

    @property
    def size(self) -> int:
        return sum(n for _d, n in self.days)


def _weighted(rng: random.Random, items: list, cumulative: list[float]):
    return items[bisect_right(cumulative, rng.random() * cumulative[-1])]


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def live(life: Life, t: float) -> None:
    """The path of one dossier from its anchor moment `t` (reception, or submission for online ones)."""
    rng, plan = life.rng, life.plan
    limit = life.limit or 8 * HOUR
    try:
        if life.channel == Channel.ONLINE:
            completion = rng.random() < 0.03
            submitted = t - rng.uniform(0.5 * HOUR, (6 if completion else 1) * 24 * HOUR)
            life.submit(submitted)
            if completion:
                asked = life.at(submitted + rng.uniform(0.1, 0.4) * (t - submitted))
                life.request_completion(asked, asked + rng.uniform(0.2, 0.9) * (t - asked))
            if rng.random() < 0.004:
                life.withdraw(life.at(min(t, life.d["submitted_at"] + HOUR)))
                return
            life.at(t)
            if rng.random() < 0.015:
                life.refuse(t)
                return
        life.receive(t)
        t = life.working(t, rng.uniform(600, max(0.1 * limit, 1200)))
        life.forward(t)
        t = life.working(t, rng.uniform(300, 3 * HOUR))
        life.assign(t)
        late = rng.random() < 0.1
        work = (plan.specialist.share / 100 * limit) * (
            rng.uniform(1.05, 2.0) if late else rng.uniform(0.1, 0.85)
        )
        if rng.random() < 0.03:
            t = life.transfer_round(life.working(t, 0.3 * work))
        if rng.random() < 0.08:
            t = life.working(t, 0.4 * work)
            if rng.random() < 0.06:
                life.wait_for_applicant(
                    t, EventAction.REQUEST_SUPPLEMENT, S.SUPPLEMENT_REQUESTED,
                    reason="Đề nghị bổ sung giấy tờ còn thiếu.",
                    payload={"components": [], "count": life.d["supplement_count"] + 1, "last_file_id": 0},
                    stop_clock=True,
                )  # fmt: skip
                life.d["supplement_count"] += 1
                life.stop(life.at(t + rng.uniform(10, 30) * 24 * HOUR))
                return
            t = life.supplement_round(t)
            if rng.random() < 0.12:
                t = life.supplement_round(life.working(t, 0.2 * work))
        if plan.field_code in PAYMENT_FIELDS and rng.random() < 0.25:
            t = life.payment_round(life.working(t, 0.3 * work))
        if rng.random() < 0.004:
            life.stop(life.working(t, 0.2 * work))
            return
        if rng.random() < 0.004:
            life.withdraw(life.working(t, 0.2 * work))
            return
        t = life.working(t, work)
        due = life.d.get("due_at")
        if late and due is not None and rng.random() < 0.3:
            drafted = max(t + 60, due - rng.uniform(2 * HOUR, 24 * HOUR))
            if drafted < due - 3 * HOUR:
                approved = life.apology(life.at(drafted))
                t = life.working(approved, work * 0.2)
        decision = Decision.GRANT if rng.random() < 0.97 else Decision.REFUSE
        life.submit_for_approval(t, decision)
        review = (
            plan.approver.share / 100 * limit * (rng.uniform(0.8, 1.8) if late else rng.uniform(0.05, 0.8))
        )
        if rng.random() < 0.05:
            t = life.working(t, 0.5 * review)
            life.return_for_rework(t)
            t = life.working(t, 0.3 * work)
            life.submit_for_approval(t, decision)
        t = life.working(t, review)
        life.approve(t)
        if life.d["delivery_method"] == DeliveryMethod.ELECTRONIC and life.d["applicant_id"]:
            life.deliver(t, system=True)
        else:
            life.deliver(life.at(t + rng.uniform(0.5 * HOUR, 4 * 24 * HOUR)))
    except Stop:
        pass


def mark_deadline(life: Life, *, now: float, share: float) -> None:
    """The mark the deadline sweep would have set on a running dossier, with its event row."""
    d = life.d
    if d["state"] not in RUNNING_FOR_SWEEP or d.get("due_at") is None:
        return
    remaining = life.cal.working_seconds_between(d.get("clock_stopped_at") or now, d["due_at"])
    status = DeadlineStatus.ON_TRACK
    if remaining < 0 or (remaining == 0 and now > d["due_at"]):
        status = DeadlineStatus.OVERDUE
    elif life.limit and remaining < share * life.limit:
        status = DeadlineStatus.DUE_SOON
    if status == DeadlineStatus.ON_TRACK:
        return
    last = (
        life.rows.events[-1]["at"]
        if life.rows.events and life.rows.events[-1]["dossier_id"] == d["id"]
        else 0
    )
    at = max(last + 1, now - life.rng.uniform(0, 900))
    d["deadline_status"] = status
    life.event(EventAction.DEADLINE_WARNING, at, d["state"], actor=None, reason=str(DeadlineStatus(status).label),
               payload={"deadline_status": status, "previous": DeadlineStatus.ON_TRACK, "due_at": d["due_at"]},
               public=False, bump=False)  # fmt: skip


def generate_chunk(spec: ChunkSpec, *, seed: int, province: Province, cal: IndexedCalendar, now: float,
                   dossier_base: int, archive) -> tuple[Rows, list[tuple[int, dt.date, int]], list[dict]]:  # fmt: skip
    """The rows of one chunk (dossier ids final, other ids local), its code counters and archive records."""
    rng = random.Random(f"{seed}:{spec.days[0][0].isoformat()}")
    plans = province.plans
    plan_cumulative = _cumulative(p.weight for p in plans)
    commune_cumulative = _cumulative(c[2] for c in province.communes)
    options = {
        "payment_stops_clock": bool(getattr(settings, "DOSSIER_PAYMENT_STOPS_CLOCK", True)),
    }
    share = float(getattr(settings, "DEADLINE_WARNING_SHARE", 0.2))
    windows = dict(cal.working_days())
    rows = Rows()
    lives: list[Life] = []
    n = 0
    for day, count in spec.days:
        day_windows = windows[day]
        total = sum(e - s for s, e in day_windows)
        for _ in range(count):
            offset = rng.uniform(0, total)
            for s, e in day_windows:
                if offset <= e - s:
                    t = float(int(s + offset))
                    break
                offset -= e - s
            plan = _weighted(rng, plans, plan_cumulative)
            if plan.commune:
                desk_id = competent_id = _weighted(rng, province.communes, commune_cumulative)[0]
            else:
                desk_id, competent_id = plan.desk_id, plan.competent_id
            r = rng.random()
            online_share = 0.45 if plan.allows_online else 0.0
            if r < online_share or t > now:
                channel = Channel.ONLINE
            elif plan.allows_postal and r > 0.97:
                channel = Channel.POSTAL
            else:
                channel = Channel.COUNTER
            life = Life(rng=rng, cal=cal, province=province, rows=rows, now=now,
                        dossier_id=dossier_base + spec.first_dossier + n, plan=plan, channel=channel,
                        desk_id=desk_id, competent_id=competent_id, settings=options)  # fmt: skip
            n += 1
            live(life, t)
            mark_deadline(life, now=now, share=share)
            if "created_at" not in life.d:
                life.d["created_at"] = min(t, now) - rng.uniform(60, 3600)
            rows.dossiers.append(life.d)
            lives.append(life)
    counters = _number_codes(rows, province, cal)
    records = []
    for life in lives:
        d = life.d
        if d["state"] in FINAL_STATES and d.get("finished_at"):
            records.append(archive(d, province.field_codes.get(d["procedure_version_id"], ""), cal))
    return rows, counters, records


def _number_codes(rows: Rows, province: Province, cal: IndexedCalendar) -> list[tuple[int, dt.date, int]]:
    """Gap-free numbers per desk and day in the order of reception, and the codes (services/codes.py)."""
    pattern = getattr(settings, "DOSSIER_CODE_PATTERN", "") or DEFAULT_CODE_PATTERN
    groups: dict[tuple[int, dt.date], list[dict]] = {}
    for d in rows.dossiers:
        if d.get("code") == "":
            groups.setdefault((d["receiving_agency_id"], cal.local_date(d["received_at"])), []).append(d)
        elif d.get("code") is None:
            d.pop("lookup_secret", None)
    counters = []
    for (agency_id, day), received in groups.items():
        received.sort(key=lambda d: (d["received_at"], d["id"]))
        code = province.agency_codes[agency_id]
        for number, d in enumerate(received, start=1):
            d["register_number"] = number
            d["code"] = pattern.format(agency=code, date=day, number=number)
        counters.append((agency_id, day, len(received)))
    return counters
