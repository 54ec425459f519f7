"""Reads of one dossier and its lifecycle: the catalogue it was filed under, prefill, deadlines, the internal
process, the timeline and the public lookup. The officers' lists are in `dossiers.queues`."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from portal.constants import Role
from portal.models import Agency, AgencyMembership, User
from portal.queries import CompiledQuery
from portal.working_time import WorkingCalendar, load_calendar
from procedures.forms_schema import prefill_initial
from procedures.models import ProcedureVersion, ProcessingTime
from procedures.text import fold
from repository.selectors import documents_reusable_for

from . import deadlines, permissions
from .constants import (
    PROCESSING_STATES,
    DossierState,
    Outcome,
    clock_running_states,
)
from .deadlines import RemainingTime
from .models import Dossier, DossierEvent, DossierFile

if TYPE_CHECKING:
    from portal.models import Organisation
    from procedures.models import Component, ProcessStep


# ---- catalogue-dependent reads ----
def desks_for_version(*, version: ProcedureVersion) -> QuerySet[Agency]:
    return permissions.desks_for_version(version).order_by("level", "code")


def preferred_desk(*, version: ProcedureVersion, user: User) -> Agency | None:
    """The desk proposed to an online applicant: the one serving their own commune when it receives the
    procedure, otherwise the first that does (the applicant may choose another)."""
    desks = list(desks_for_version(version=version))
    if not desks:
        return None
    unit = getattr(user, "administrative_unit_id", None)
    return next((d for d in desks if unit and d.administrative_unit_id == unit), desks[0])


def competent_agency_for(
    *, version: ProcedureVersion, desk: Agency | None, applicant_unit_id: int | None = None
) -> Agency | None:
    """The competent agency that will handle a dossier received at `desk` (DOMAIN §2).

    The desk itself when it is competent; else the competent agency of the desk's administrative unit (the
    provincial centre receives for the provincial departments); else the one of the applicant's own unit (a
    commune procedure received at another desk); else the first competent agency of the version.
    """
    competent = list(version.competent_agencies.order_by("code"))
    if not competent:
        return None
    if desk is not None:
        for agency in competent:
            if agency.pk == desk.pk:
                return agency
        for agency in competent:
            if agency.administrative_unit_id == desk.administrative_unit_id:
                return agency
    if applicant_unit_id is not None:
        for agency in competent:
            if agency.administrative_unit_id == applicant_unit_id:
                return agency
    return competent[0]


def components_of(*, version: ProcedureVersion) -> list[Component]:
    return list(version.components.order_by("order", "pk"))


@dataclass(frozen=True)
class ComponentStatus:
    component: Component
    files: list[DossierFile]

    @property
    def complete(self) -> bool:
        return bool(self.files) or not self.component.mandatory


def component_statuses(*, dossier: Dossier) -> list[ComponentStatus]:
    files = list(dossier.files.all())
    return [
        ComponentStatus(component=c, files=[f for f in files if f.component_id == c.pk])
        for c in components_of(version=dossier.procedure_version)
    ]


def reusable_documents(*, dossier: Dossier, component: Component) -> list:
    """Documents of the applicant's Kho dữ liệu that may stand in for this component (once-only)."""
    owner = dossier.organisation or dossier.applicant
    if owner is None or not component.code:
        return []
    return list(documents_reusable_for(owner, component.code))


# ---- prefill ----
def applicant_prefill(
    *, user: User, version: ProcedureVersion, organisation: Organisation | None = None
) -> dict:
    """Snapshot fields and form answers to start a dossier with (NĐ 45/2020, Điều 9: không yêu cầu
    cung cấp lại thông tin đã có).

    The snapshot comes from the account (or the organisation filed for); answers to the version's form
    come from the applicant's most recent dossiers, question by question.
    """
    if organisation is not None:
        snapshot = {
            "applicant_kind": "organisation",
            "applicant_name": organisation.name,
            "applicant_id_number": organisation.tax_code,
            "applicant_address": organisation.address,
            "applicant_phone": organisation.phone,
            "applicant_email": organisation.email,
        }
    else:
        snapshot = {
            "applicant_kind": "citizen",
            "applicant_name": user.full_name,
            "applicant_id_number": user.cccd or "",
            "applicant_address": user.address,
            "applicant_phone": user.phone,
            "applicant_email": user.email,
        }
    schema = version.form_schema or {}
    properties = schema.get("properties", {})
    answers: dict = prefill_initial(schema, user) if organisation is None else {}
    answers = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in answers.items()}
    if properties:
        previous = (
            Dossier.objects.filter(applicant=user, organisation=organisation)
            .exclude(form_data={})
            .order_by("-created_at")
            .values_list("form_data", flat=True)[:20]
        )
        for data in previous:
            for key in properties:
                if key not in answers and isinstance(data, dict) and data.get(key) not in (None, ""):
                    answers[key] = data[key]
    return {**snapshot, "form_data": answers}


# ---- deadlines (the rules are in `dossiers.deadlines`; these read what they need from the database) ----
def appointment_for(
    *,
    version: ProcedureVersion,
    channel: int,
    received_at: dt.datetime,
    calendar: WorkingCalendar | None = None,
) -> dt.datetime | None:
    """Appointment date of a dossier of `version` received on `channel` at `received_at`."""
    return deadlines.appointment(version.time_limit(channel), received_at, calendar or load_calendar())


def remaining_working_time(
    *, dossier: Dossier, now: dt.datetime | None = None, calendar: WorkingCalendar | None = None
) -> RemainingTime | None:
    """Working time left until the appointment, None when the dossier is not running against a deadline.
    While the clock is stopped (supplement), the time left is the time left when it stopped."""
    if dossier.due_at is None or dossier.finished_at is not None:
        return None
    if dossier.state in (DossierState.RESULT_READY, DossierState.DELIVERED):
        return None
    calendar = calendar or load_calendar()
    minutes = deadlines.time_left(
        now=now or timezone.now(),
        due_at=dossier.due_at,
        clock_stopped_at=dossier.clock_stopped_at,
        calendar=calendar,
    )
    return RemainingTime(minutes=minutes, day_minutes=calendar.day_minutes)


def running_states() -> tuple[str, ...]:
    """States in which the dossier's clock runs, with the DOSSIER_PAYMENT_STOPS_CLOCK setting applied."""
    return clock_running_states(payment_stops_clock=getattr(settings, "DOSSIER_PAYMENT_STOPS_CLOCK", True))


def total_working_minutes(
    *, version: ProcedureVersion, channel: int, calendar: WorkingCalendar
) -> float | None:
    """The legal processing time of the dossier's procedure and channel, in working minutes."""
    return deadlines.legal_minutes(version.time_limit(channel), calendar)


def legal_minutes_by_version(
    *, version_ids: set[int], calendar: WorkingCalendar
) -> dict[tuple[int, int | None], float]:
    """The legal time in working minutes of each (version, channel) processing time of these versions (the
    general row has channel None), read in one query for a batch of dossiers."""
    times = ProcessingTime.objects.filter(version_id__in=version_ids).only(
        "version_id", "channel", "amount", "unit"
    )
    return {(t.version_id, t.channel): deadlines.legal_minutes(t, calendar) for t in times}


def legal_minutes_for(
    limits: dict[tuple[int, int | None], float], version_id: int, channel: int
) -> float | None:
    """`ProcedureVersion.time_limit` over `legal_minutes_by_version`: the channel's row, else the general one."""
    found = limits.get((version_id, channel))
    return found if found is not None else limits.get((version_id, None))


def deadline_outcome(*, finished_at: dt.datetime, due_at: dt.datetime | None) -> str:
    """Trước hạn / đúng hạn / quá hạn (`dossiers.deadlines.outcome`)."""
    return deadlines.outcome(finished_at=finished_at, due_at=due_at)


# QĐ 766/QĐ-TTg: a dossier asked to supplement two or more times counts as late in the index.
LATE_AFTER_SUPPLEMENTS = 2


def dossier_outcome(*, dossier: Dossier) -> str:
    """The dossier's outcome for the index: late after two or more supplement requests, or when an apology
    with a new date had to be issued (the new date excuses nothing); otherwise its finish (status 9) against
    the appointment (moved only by supplement time). Empty while it runs."""
    if dossier.finished_at is None or dossier.state not in (
        DossierState.RESULT_READY,
        DossierState.DELIVERED,
    ):
        return ""
    if dossier.supplement_count >= LATE_AFTER_SUPPLEMENTS:
        return Outcome.LATE
    if dossier.apologies.filter(approved_at__isnull=False).exists():
        return Outcome.LATE
    return deadline_outcome(finished_at=dossier.finished_at, due_at=dossier.due_at)


def deadline_status_for(
    *,
    dossier: Dossier,
    now: dt.datetime,
    calendar: WorkingCalendar,
    warning_share: float,
    total_minutes: float | None = None,
) -> str:
    """On track, due soon (less than `warning_share` of the legal time left) or overdue."""
    if dossier.due_at is not None and total_minutes is None:
        total_minutes = total_working_minutes(
            version=dossier.procedure_version, channel=dossier.channel, calendar=calendar
        )
    return deadlines.status(
        now=now,
        due_at=dossier.due_at,
        clock_stopped_at=dossier.clock_stopped_at,
        total_minutes=total_minutes,
        warning_share=warning_share,
        calendar=calendar,
    )


# ---- the internal process ----
def process_steps(*, version: ProcedureVersion) -> list[ProcessStep]:
    return list(version.steps.order_by("order", "pk"))


def process_step(*, version: ProcedureVersion, role: str, last: bool = False) -> ProcessStep | None:
    """The version's step for a role: the first one (the desk receives), or the last (the desk returns)."""
    steps = [s for s in process_steps(version=version) if s.role == role]
    if not steps:
        return None
    return steps[-1] if last else steps[0]


def agency_specialists(*, agency: Agency) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True,
            agency_memberships__agency=agency,
            agency_memberships__role=Role.SPECIALIST,
            agency_memberships__active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def specialist_workloads(*, agency: Agency, department: str = "") -> list[tuple[User, int, str]]:
    """Specialists of the agency with the number of dossiers each holds now, and their department."""
    memberships = list(
        AgencyMembership.objects.filter(
            agency=agency, role=Role.SPECIALIST, active=True, user__is_active=True
        ).select_related("user")
    )
    counts = dict(
        Dossier.objects.filter(
            current_handler__in=[m.user_id for m in memberships], state__in=PROCESSING_STATES
        )
        .values_list("current_handler")
        .annotate(n=Count("pk"))
        .values_list("current_handler", "n")
    )
    return [(m.user, counts.get(m.user_id, 0), m.department) for m in memberships]


def least_loaded_specialist(*, agency: Agency, department: str = "") -> User | None:
    """Auto-assignment by workload: the specialist of the step's department (any specialist of the agency
    when none is recorded in that department) holding the fewest dossiers; ties go to the longest-serving
    account."""
    loads = specialist_workloads(agency=agency)
    if not loads:
        return None
    wanted = fold(department) if department else ""
    in_department = [row for row in loads if wanted and fold(row[2]) == wanted]
    pool = in_department or loads
    return min(pool, key=lambda row: (row[1], row[0].pk))[0]


# ---- one dossier ----
def list_related(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Dossiers with what a list or a detail page names of them joined: procedure, desk, agency, organisation."""
    return qs.select_related(
        "procedure_version__procedure", "receiving_agency", "competent_agency", "organisation"
    )


def dossier_detail(*, pk: int) -> Dossier | None:
    return (
        list_related(Dossier.objects.filter(pk=pk))
        .select_related("applicant", "received_by", "fee_exemption")
        .prefetch_related(
            Prefetch("files", queryset=DossierFile.objects.select_related("component")),
            Prefetch(
                "events",
                queryset=DossierEvent.objects.select_related("actor", "message").order_by("at", "id"),
            ),
            "documents",
        )
        .first()
    )


def dossier_lookup(*, code: str, secret: str) -> Dossier | None:
    """The dossier with this code and lookup secret. A wrong secret and an unknown code look the same."""
    # The procedure and the desk joined: what the services and the API answering a lookup read.
    queryset = Dossier.objects.select_related("procedure_version__procedure", "receiving_agency")
    return _by_code_and_secret(lambda code: queryset.filter(code=code).order_by().first(), code, secret)


@dataclass(frozen=True)
class PublicStatus:
    """What the public status page shows of a dossier, and what the working time left needs: plain values,
    nothing to save."""

    pk: int
    code: str
    lookup_secret: str
    state: str
    version: int
    deadline_status: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    clock_stopped_at: dt.datetime | None
    procedure_version_id: int
    receiving_agency_id: int | None


# One table, no join: PostgreSQL plans it in a fraction of the time; the names of the procedure and the
# desk are read only when the card is rendered (`public_status_details`).
_PUBLIC_STATUS = CompiledQuery(
    lambda code: (
        Dossier.objects.filter(code=code)
        .order_by()
        .values_list(*(field.name for field in dataclass_fields(PublicStatus)))[:1]
    ),
    placeholders=["\x00code"],
)
_PUBLIC_TIMELINE = CompiledQuery(
    lambda dossier_id: (
        DossierEvent.objects.filter(dossier_id=dossier_id)
        .public()
        .order_by("at", "id")
        .values_list("at", "action", "to_state")
    ),
    placeholders=[-1_000_003],
)


def dossier_public_status(*, code: str, secret: str) -> PublicStatus | None:
    """`dossier_lookup` for the public status page, reading only the dossier's columns it needs (no form
    answers, no catalogue texts) as plain values, with SQL built once (`CompiledQuery`)."""

    def read(code: str) -> PublicStatus | None:
        rows = _PUBLIC_STATUS.rows(code)
        return PublicStatus(*rows[0]) if rows else None

    return _by_code_and_secret(read, code, secret)


def public_status_details(*, status: PublicStatus) -> dict:
    """What the status card shows besides the dossier's own columns: the public timeline — what happened and
    the state, never who did it — and the names of the procedure and the desk, which change so seldom that
    they are kept in the cache as long as the card is."""
    names = {
        f"procedure-version-name:{status.procedure_version_id}": (
            ProcedureVersion,
            status.procedure_version_id,
        ),
        f"agency-name:{status.receiving_agency_id}": (Agency, status.receiving_agency_id),
    }
    kept = cache.get_many(list(names))
    for key, (model, pk) in names.items():
        if key not in kept:
            kept[key] = model.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
            cache.set(key, kept[key], settings.DOSSIER_STATUS_CACHE_SECONDS)
    procedure_name, desk_name = (kept[key] for key in names)
    events = [
        {"at": at, "action": action, "to_state": to_state}
        for at, action, to_state in _PUBLIC_TIMELINE.rows(status.pk)
    ]
    return {"procedure_name": procedure_name, "desk_name": desk_name, "events": events}


def _by_code_and_secret(find, code: str, secret: str):
    """What `find(code)` reads of the dossier with this code, when the secret matches."""
    code = (code or "").strip().upper()
    secret = (secret or "").strip().upper().replace(" ", "")
    if not code or not secret:
        return None
    dossier = find(code)
    expected = dossier.lookup_secret if dossier and dossier.lookup_secret else "-" * len(secret)
    # Compare even when the code is unknown so both answers take the same time.
    if not hmac.compare_digest(expected.encode(), secret.encode()) or dossier is None:
        return None
    return dossier


def latest_document(*, dossier: Dossier, kind: str):
    return dossier.documents.filter(kind=kind).order_by("-created_at", "-id").first()


def agencies_with_running_dossiers() -> list[int]:
    """Competent agencies (or, without one, receiving desks) that have dossiers whose clock may run."""
    rows = (
        Dossier.objects.filter(state__in=PROCESSING_STATES, due_at__isnull=False)
        .values_list("competent_agency_id", "receiving_agency_id")
        .distinct()
    )
    return sorted({competent or receiving for competent, receiving in rows if competent or receiving})
