"""Reads behind the officers' lists: the one-stop desk's intake queue, the work queue of specialists,
department heads and leaders (tabs, counts, bounded history), the citizen's own list and the dossier register.

Every list reads the active dossiers through the partial indexes; finished ones come only with an explicit
search, counted and paged no further than `COUNT_BOUND`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, User
from procedures.constants import Channel
from procedures.models import ProcedureVersion
from procedures.selectors import procedure_search

from . import permissions
from .constants import (
    DESK_ACTIVE_STATES,
    DESK_FINISHED_STATES,
    PROCESSING_STATES,
    DeadlineStatus,
    DeliveryMethod,
    DossierState,
    EventAction,
    Outcome,
)
from .models import Dossier, DossierApology, DossierHandover
from .selectors import LATE_AFTER_SUPPLEMENTS, deadline_outcome, list_related, running_states

# States of a dossier waiting for a desk to receive it (online or after a supplement).
WAITING_STATES = (DossierState.SUBMITTED, DossierState.SUPPLEMENT_REQUESTED)


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
    return list_related(qs).order_by("-created_at", "-id")


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
    dossiers; each finished state up to `COUNT_BOUND` + 1 (one bounded query each, unless known to be past
    the bound)."""
    aggregates = {state: Count("pk", filter=Q(state=state)) for state in DESK_ACTIVE_STATES}
    counts = Dossier.objects.filter(intake_scope(user=user), state__in=DESK_ACTIVE_STATES).aggregate(
        **aggregates
    )
    # No dossier waiting for a desk is finished: each finished state is read from the desk's index only.
    finished = intake_scope(user=user, waiting=False)
    scope = (sorted(permissions.intake_agency_ids(user)), sorted(permissions.postal_agency_ids(user)))
    for state in DESK_FINISHED_STATES:
        counts[state] = _finished_count(Dossier.objects.filter(finished, state=state), key=(scope, state))
    return counts


# How long a finished count past the bound is taken as read: finished dossiers stay finished, so "more than
# 1,000" only stops being true when old dossiers are removed.
PAST_BOUND_SECONDS = 3600


def _finished_count(qs: QuerySet[Dossier], *, key) -> int:
    """`bounded_count` of finished dossiers; a count past the bound is remembered for `PAST_BOUND_SECONDS`
    (a busy desk's page then skips three bounded reads of a thousand index entries each)."""
    cache_key = "finished-past-bound:" + hashlib.sha256(repr(key).encode()).hexdigest()
    if cache.get(cache_key):
        return COUNT_BOUND + 1
    count = bounded_count(qs, bound=COUNT_BOUND)
    if count > COUNT_BOUND:
        cache.set(cache_key, True, PAST_BOUND_SECONDS)
    return count


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
