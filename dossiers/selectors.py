"""Reads of the dossier lifecycle: queues, lists, timelines, the public lookup, prefill, deadlines."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.constants import Role
from portal.models import Agency, AgencyMembership, User
from portal.working_time import WorkingCalendar, load_calendar
from procedures.constants import Channel
from procedures.forms_schema import prefill_initial
from procedures.models import ProcedureVersion, ProcessingTime
from procedures.selectors import procedure_search
from procedures.text import fold
from repository.selectors import documents_reusable_for

from . import deadlines, permissions
from .constants import (
    DESK_ACTIVE_STATES,
    DESK_FINISHED_STATES,
    PROCESSING_STATES,
    DeadlineStatus,
    DeliveryMethod,
    DossierState,
    EventAction,
    Outcome,
    clock_running_states,
)
from .deadlines import RemainingTime
from .models import Dossier, DossierApology, DossierEvent, DossierFile, DossierHandover

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


# ---- lists and queues ----
# States of a dossier waiting for a desk to receive it (online or after a supplement).
WAITING_STATES = (DossierState.SUBMITTED, DossierState.SUPPLEMENT_REQUESTED)


def _list_related(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return qs.select_related(
        "procedure_version__procedure", "receiving_agency", "competent_agency", "organisation"
    )


# What a queue row shows, and what the working time left needs: a page of a queue reads these columns only
# (no form data, no catalogue texts and JSON schemas of the procedure, no agencies it does not name).
QUEUE_ROW_FIELDS = (
    "code",
    "channel",
    "state",
    "deadline_status",
    "applicant_name",
    "applicant_id_number",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "clock_stopped_at",
    "procedure_version__name",
    "procedure_version__procedure__code",
)


def _queue_rows(qs: QuerySet[Dossier], *related: str) -> QuerySet[Dossier]:
    """A queue's rows: the procedure joined, `related` (relation__field) too, and only the shown columns."""
    relations = {name.split("__")[0] for name in related}
    return qs.select_related("procedure_version__procedure", *relations).only(*QUEUE_ROW_FIELDS, *related)


def dossiers_of_applicant(*, user: User, state: str | None = None) -> QuerySet[Dossier]:
    """The citizen's own dossiers and those of organisations they represent."""
    organisations = permissions.organisation_ids(user)
    qs = Dossier.objects.filter(Q(applicant=user) | Q(organisation__in=organisations))
    if state:
        qs = qs.filter(state=state)
    return _list_related(qs).order_by("-created_at", "-id")


def intake_scope(*, user: User, waiting: bool = True) -> Q:
    """Dossiers an intake officer works on: received at their desk, or waiting for any of their desks.
    The postal operator sees the postal dossiers of its agency (received by post or returned by post).

    `waiting=False` leaves out the dossiers waiting for any desk: a filter on a state no waiting dossier
    has (a finished one) is then answered from the desk's own index alone, without a bitmap OR."""
    scope = Q(pk__in=[])
    desks = permissions.intake_agency_ids(user)
    if desks:
        scope |= Q(receiving_agency__in=desks) & ~Q(state=DossierState.DRAFT)
        if waiting:
            scope |= Q(
                state__in=WAITING_STATES, received_at__isnull=True
            ) & permissions.versions_receivable_at(user)
    postal = permissions.postal_agency_ids(user)
    if postal:
        scope |= Q(receiving_agency__in=postal, received_at__isnull=False) & (
            Q(channel=Channel.POSTAL) | Q(delivery_method=DeliveryMethod.POST)
        )
    return scope


def versions_for_counter(*, desk: Agency, query: str = "") -> QuerySet[ProcedureVersion]:
    """Procedures in force that this desk receives, best matches first (diacritics ignored)."""
    return procedure_search(query=query).filter(permissions.version_receivable_at({desk.pk}))


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""
    channel: int | None = None
    q: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    @property
    def searching(self) -> bool:
        """An explicit search: only then does "all states" reach back into finished dossiers."""
        return bool(self.q or self.received_from or self.received_to)


# Finished dossiers are counted up to this bound ("hơn 1.000"), and lists of them page no further.
COUNT_BOUND = 1000


def bounded_count(qs: QuerySet[Dossier], *, bound: int = COUNT_BOUND) -> int:
    """The number of rows, read no further than `bound` + 1 (a result above `bound` means "more than")."""
    return qs.order_by().values("pk")[: bound + 1].count()


def _search(qs: QuerySet[Dossier], term: str) -> QuerySet[Dossier]:
    term = term.strip()
    return qs.filter(
        Q(code__icontains=term)
        | Q(applicant_name__icontains=term)
        | Q(applicant_id_number__startswith=term)
        | Q(applicant_phone__startswith=term)
    )


def intake_queue(*, user: User, filters: QueueFilters) -> QuerySet[Dossier]:
    """The intake officer's queue. Related rows are joined, so a page costs a fixed number of queries.
    "All states" lists the desk's active dossiers; finished ones come with a search or their own tab."""
    qs = Dossier.objects.filter(
        intake_scope(user=user, waiting=not filters.state or filters.state in WAITING_STATES)
    )
    if filters.state:
        qs = qs.filter(state=filters.state)
    elif not filters.searching:
        qs = qs.filter(state__in=DESK_ACTIVE_STATES)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.q:
        qs = _search(qs, filters.q)
    if filters.received_from:
        qs = qs.filter(
            Q(received_at__date__gte=filters.received_from) | Q(submitted_at__date__gte=filters.received_from)
        )
    if filters.received_to:
        qs = qs.filter(
            Q(received_at__date__lte=filters.received_to) | Q(submitted_at__date__lte=filters.received_to)
        )
    return _queue_rows(qs).order_by("-submitted_at", "-id")


def intake_queue_counts(*, user: User) -> dict[str, int]:
    """Dossiers per state in the officer's scope: the active states exactly, in one query over the active
    dossiers; each finished state up to `COUNT_BOUND` + 1 (one bounded query each)."""
    aggregates = {state: Count("pk", filter=Q(state=state)) for state in DESK_ACTIVE_STATES}
    counts = Dossier.objects.filter(intake_scope(user=user), state__in=DESK_ACTIVE_STATES).aggregate(
        **aggregates
    )
    # No dossier waiting for a desk is finished: each finished state is read from the desk's index only.
    finished = intake_scope(user=user, waiting=False)
    for state in DESK_FINISHED_STATES:
        counts[state] = bounded_count(Dossier.objects.filter(finished, state=state))
    return counts


def officer_handles_dossier(
    *,
    user: User,
    dossier_ids: set[int],
    owner_user_id: int | None = None,
    owner_organisation_id: int | None = None,
    component_code: str = "",
) -> bool:
    """Whether the officer may see, for their work, one of these filed dossiers — or, given an owner and a
    component code, a filed dossier of that owner whose procedure asks for a document of that type. Kho dữ
    liệu asks this before an officer reads a stored document that came out of or was filed in one of them, or
    that the owner lets agencies reuse for such a component (the desk must not ask for it again)."""
    if not user.is_authenticated or not user.is_officer:
        return False
    wanted = Q(pk__in=dossier_ids)
    if component_code and (owner_user_id or owner_organisation_id):
        owner = (
            Q(organisation_id=owner_organisation_id)
            if owner_organisation_id
            else Q(applicant_id=owner_user_id)
        )
        wanted |= owner & Q(procedure_version__components__code=component_code)
    dossiers = Dossier.objects.filter(wanted).exclude(state=DossierState.DRAFT).distinct().order_by("-pk")
    return any(permissions.can_view(user, dossier) for dossier in dossiers[:20])


# ---- one dossier ----
def dossier_detail(*, pk: int) -> Dossier | None:
    return (
        _list_related(Dossier.objects.filter(pk=pk))
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


def dossier_timeline(*, dossier: Dossier, public_only: bool = False) -> list[DossierEvent]:
    """The dossier's events in order. The public timeline shows what happened and the state, never who
    did it, so it reads only those columns (no join to the officers)."""
    events = dossier.events.order_by("at", "id")
    if public_only:
        return list(events.public().only("id", "dossier_id", "at", "action", "to_state"))
    return list(events.select_related("actor"))


def dossier_lookup(*, code: str, secret: str) -> Dossier | None:
    """The dossier with this code and lookup secret. A wrong secret and an unknown code look the same."""
    # The procedure and the desk joined: what the services and the API answering a lookup read.
    return _by_code_and_secret(
        Dossier.objects.select_related("procedure_version__procedure", "receiving_agency"), code, secret
    )


# What the public status page shows, and what the working time left needs.
PUBLIC_STATUS_FIELDS = (
    "code",
    "lookup_secret",
    "state",
    "version",
    "deadline_status",
    "received_at",
    "due_at",
    "finished_at",
    "clock_stopped_at",
    "procedure_version__name",
    "receiving_agency__name",
)


def dossier_public_status(*, code: str, secret: str) -> Dossier | None:
    """`dossier_lookup` for the public status page: a page hit by anyone holding a receipt reads only the
    columns it shows (no form answers, no catalogue texts), as a value to display, never to save."""
    queryset = Dossier.objects.select_related("procedure_version", "receiving_agency").only(
        *PUBLIC_STATUS_FIELDS
    )
    return _by_code_and_secret(queryset, code, secret)


def _by_code_and_secret(queryset: QuerySet[Dossier], code: str, secret: str) -> Dossier | None:
    code = (code or "").strip().upper()
    secret = (secret or "").strip().upper().replace(" ", "")
    if not code or not secret:
        return None
    dossier = queryset.filter(code=code).order_by().first()
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


# ---- the work queue of specialists, department heads and leaders ----
class WorkTab:
    MINE = "cua-toi"
    TO_ASSIGN = "cho-phan-cong"
    TO_APPROVE = "cho-phe-duyet"
    DUE_SOON = "sap-den-han"
    OVERDUE = "qua-han"
    SUPPLEMENT = "cho-bo-sung"
    RETURNED = "tra-lai"
    TRANSFERRED = "lien-thong"
    ALL = "tat-ca"
    FINISHED = "da-ket-thuc"


WORK_TAB_LABELS = {
    WorkTab.MINE: _("Hồ sơ tôi đang xử lý"),
    WorkTab.TO_ASSIGN: _("Chờ phân công"),
    WorkTab.TO_APPROVE: _("Chờ phê duyệt"),
    WorkTab.DUE_SOON: _("Sắp đến hạn"),
    WorkTab.OVERDUE: _("Quá hạn"),
    WorkTab.SUPPLEMENT: _("Chờ bổ sung"),
    WorkTab.RETURNED: _("Trả lại xử lý lại"),
    WorkTab.TRANSFERRED: _("Liên thông"),
    WorkTab.ALL: _("Tất cả đang xử lý"),
    WorkTab.FINISHED: _("Đã kết thúc"),
}
# Tabs over finished dossiers: no exact count, a list only for an explicit search, bounded paging.
HISTORY_TABS = (WorkTab.FINISHED,)
LEADER_TABS = (WorkTab.TO_ASSIGN, WorkTab.TO_APPROVE)


def work_tabs(*, user: User) -> list[str]:
    """The tabs an officer has: department heads and leaders also assign and approve."""
    tabs = [WorkTab.MINE]
    if permissions.leading_agency_ids(user):
        tabs += list(LEADER_TABS)
    return tabs + [
        WorkTab.DUE_SOON,
        WorkTab.OVERDUE,
        WorkTab.SUPPLEMENT,
        WorkTab.RETURNED,
        WorkTab.TRANSFERRED,
        WorkTab.ALL,
        WorkTab.FINISHED,
    ]


def work_scope(*, user: User) -> Q:
    """Received dossiers of the agencies where the officer appraises, approves or leads: those it handles
    now (including those transferred to it) and those it is competent for."""
    agencies = permissions.processing_agency_ids(user)
    if not agencies:
        return Q(pk__in=[])
    return Q(received_at__isnull=False) & (Q(current_agency__in=agencies) | Q(competent_agency__in=agencies))


def _tab_filter(tab: str, user: User) -> Q:
    leading = permissions.leading_agency_ids(user)
    running = running_states()
    return {
        WorkTab.MINE: Q(current_handler=user, state__in=PROCESSING_STATES),
        WorkTab.TO_ASSIGN: Q(state=DossierState.ASSIGNED, current_agency__in=leading),
        WorkTab.TO_APPROVE: Q(state=DossierState.AWAITING_APPROVAL, current_agency__in=leading),
        WorkTab.DUE_SOON: Q(deadline_status=DeadlineStatus.DUE_SOON, state__in=running),
        WorkTab.OVERDUE: Q(deadline_status=DeadlineStatus.OVERDUE, state__in=running),
        WorkTab.SUPPLEMENT: Q(state=DossierState.SUPPLEMENT_REQUESTED),
        WorkTab.RETURNED: Q(state=DossierState.RETURNED_FOR_REWORK),
        WorkTab.TRANSFERRED: Q(state=DossierState.TRANSFERRED),
        WorkTab.ALL: Q(state__in=PROCESSING_STATES),
        WorkTab.FINISHED: ~Q(state__in=PROCESSING_STATES),
    }[tab]


@dataclass(frozen=True)
class WorkFilters:
    tab: str = WorkTab.MINE
    q: str = ""
    procedure: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None

    @property
    def searching(self) -> bool:
        return bool(self.q or self.procedure or self.received_from or self.received_to)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def work_queue(*, user: User, filters: WorkFilters) -> QuerySet[Dossier]:
    """One tab of the officer's queue, filtered and searched; related rows joined (fixed query count).
    Active tabs are ordered by appointment; finished dossiers are listed only for a search, newest first."""
    history = filters.tab in HISTORY_TABS
    if history and not filters.searching:
        return Dossier.objects.none()
    qs = Dossier.objects.filter(_tab_filter(filters.tab, user))
    if filters.q:
        qs = _search(qs, filters.q)
    if filters.procedure:
        qs = qs.filter(procedure_version__procedure__code=filters.procedure.strip())
    # Reception dates as a range of moments (local days), which an index on received_at can answer.
    if filters.received_from:
        qs = qs.filter(received_at__gte=_local_midnight(filters.received_from))
    if filters.received_to:
        qs = qs.filter(received_at__lt=_local_midnight(filters.received_to + dt.timedelta(days=1)))
    if history and connection.features.supports_slicing_ordering_in_compound:
        qs = Dossier.objects.filter(pk__in=_newest_in_scope(qs, user=user))
    else:
        qs = qs.filter(work_scope(user=user))
    order = ("-received_at", "-id") if history else ("due_at", "id")
    return _queue_rows(qs, "current_agency__name", "current_handler__full_name").order_by(*order)


def _newest_in_scope(qs: QuerySet[Dossier], *, user: User) -> QuerySet[Dossier]:
    """Ids of the `COUNT_BOUND` + 1 newest receptions matching `qs` among the dossiers the officer's
    agencies are competent for, and as many among those they hold now: each half walks its own index
    (`dossier_agency_history`, `dossier_current_history`) newest first and stops at the bound.

    The scope's OR of the two agencies made PostgreSQL read every dossier of the agency's history and sort
    them — over a second for a term every code contains at a million dossiers. The union holds the newest
    `COUNT_BOUND` + 1 rows of the whole scope, so the first pages and the bounded count are exact; lists
    page no deeper than the bound anyway (`BoundedPaginator`)."""
    agencies = permissions.processing_agency_ids(user)

    def newest(field: str) -> QuerySet[Dossier]:
        return (
            qs.filter(received_at__isnull=False, **{f"{field}__in": agencies})
            .order_by("-received_at", "-id")
            .values("pk")[: COUNT_BOUND + 1]
        )

    return newest("competent_agency").union(newest("current_agency"))


def work_queue_counts(*, user: User, tabs: list[str]) -> dict[str, int | None]:
    """Dossiers per tab in the officer's scope, in one query over the active dossiers only (the partial
    indexes); tabs over finished dossiers have no count (None)."""
    counted = [tab for tab in tabs if tab not in HISTORY_TABS]
    aggregates = {tab.replace("-", "_"): Count("pk", filter=_tab_filter(tab, user)) for tab in counted}
    counts = Dossier.objects.filter(work_scope(user=user), state__in=PROCESSING_STATES).aggregate(
        **aggregates
    )
    return {tab: counts[tab.replace("-", "_")] if tab in counted else None for tab in tabs}


# ---- the dossier register (Sổ theo dõi hồ sơ) ----
def register_agencies(*, user: User) -> QuerySet[Agency]:
    """Agencies whose register the officer may read: desks where they receive, agencies they lead."""
    ids = permissions.intake_agency_ids(user) | permissions.leading_agency_ids(user)
    return Agency.objects.filter(pk__in=ids).order_by("level", "name")


@dataclass(frozen=True)
class RegisterRow:
    """One line of the register (TT 01/2018/TT-VPCP, Mẫu số 06)."""

    dossier: Dossier
    forwarded_at: dt.datetime | None
    result_received_at: dt.datetime | None
    outcome: str

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label) if self.outcome else ""


def register_rows(*, agency: Agency, date_from: dt.date, date_to: dt.date) -> Iterator[RegisterRow]:
    """Dossiers received by, or handled by, `agency` with a reception date in the period, in register order;
    read in chunks so a year of a busy desk streams without loading everything."""
    handovers = DossierHandover.objects.filter(
        action__in=(EventAction.FORWARD, EventAction.APPROVE)
    ).order_by("handed_at", "id")
    qs = (
        Dossier.objects.filter(Q(receiving_agency=agency) | Q(competent_agency=agency))
        .filter(received_at__date__gte=date_from, received_at__date__lte=date_to)
        .select_related("procedure_version__procedure", "competent_agency")
        .prefetch_related(
            Prefetch("handovers", queryset=handovers, to_attr="register_handovers"),
            Prefetch("apologies", queryset=DossierApology.objects.filter(approved_at__isnull=False)),
        )
        .order_by("received_at", "register_number", "id")
    )
    for dossier in qs.iterator(chunk_size=500):
        forwarded = next(
            (h.handed_at for h in dossier.register_handovers if h.action == EventAction.FORWARD), None
        )
        back = next(
            (h.handed_at for h in dossier.register_handovers if h.action == EventAction.APPROVE), None
        )
        yield RegisterRow(
            dossier=dossier,
            forwarded_at=forwarded,
            result_received_at=back,
            outcome=_register_outcome(dossier),
        )


def _register_outcome(dossier: Dossier) -> str:
    """dossier_outcome without extra queries (apologies are prefetched)."""
    if dossier.finished_at is None or dossier.state not in (
        DossierState.RESULT_READY,
        DossierState.DELIVERED,
    ):
        return ""
    if dossier.supplement_count >= LATE_AFTER_SUPPLEMENTS or list(dossier.apologies.all()):
        return Outcome.LATE
    return deadline_outcome(finished_at=dossier.finished_at, due_at=dossier.due_at)
