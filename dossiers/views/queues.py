"""Officers' lists: the desk's intake queue, the work queue of specialists and leaders (with bulk
assignment), and the agency's register (Sổ theo dõi hồ sơ) with its Excel export."""

from __future__ import annotations

import dataclasses
import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.models import User
from portal.safe_url import safe_next_url

from .. import permissions, queues, services
from .. import register as register_book
from ..constants import INTAKE_QUEUE_STATES, DossierState
from ..forms import BulkAssignForm, QueueFilterForm, RegisterForm, WorkQueueFilterForm
from ..models import Dossier
from .common import (
    QUEUE_PAGE_SIZES,
    count_label,
    desk_forbidden,
    forbidden,
    query_without,
    queue_page,
    queue_page_size,
    searches_everywhere,
)

REGISTER_PREVIEW_ROWS = 50


@login_required
def intake_queue(request):
    """The intake officer's queue: counts per state, filters in the URL, search by code or applicant."""
    if denied := desk_forbidden(request, allow_postal=True):
        return denied
    form = QueueFilterForm(request.GET or None, states=INTAKE_QUEUE_STATES)
    filters = queues.QueueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = queues.QueueFilters(
            state=data["trang_thai"],
            channel=data["kenh"],
            q=data["q"],
            received_from=data["tu_ngay"],
            received_to=data["den_ngay"],
        )
    elif not form.is_bound:
        filters = queues.QueueFilters(state=DossierState.SUBMITTED)
        form = QueueFilterForm(initial={"trang_thai": DossierState.SUBMITTED}, states=INTAKE_QUEUE_STATES)
    searched_everywhere = bool(filters.state) and searches_everywhere(filters.q)
    if searched_everywhere:
        filters = dataclasses.replace(filters, state="")
    size = queue_page_size(request)
    page, rows = queue_page(request, queues.intake_queue(user=request.user, filters=filters), size=size)
    counts = queues.intake_queue_counts(user=request.user)
    return render(
        request,
        "dossiers/intake_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "counts": [
                (s, DossierState(s).label, count_label(counts.get(s, 0))) for s in INTAKE_QUEUE_STATES
            ],
            "current_state": filters.state,
            "query": query_without(request, "trang"),
            "state_query": query_without(request, "trang", "trang_thai"),
            "page_sizes": QUEUE_PAGE_SIZES,
            "page_size": size,
            "is_intake": permissions.can_use_intake_desk(request.user),
            "searched_everywhere": searched_everywhere,
        },
    )


@login_required
def work_queue(request):
    """Tabs (mine, to assign, to approve, due soon, overdue, waiting for supplement, returned, transferred,
    all) with counts; filters in the URL; bulk assignment for department heads."""
    if not permissions.processing_agency_ids(request.user):
        return forbidden(request, _("Trang này dành cho chuyên viên và lãnh đạo cơ quan giải quyết."))
    tabs = queues.work_tabs(user=request.user)
    leading = permissions.leading_agency_ids(request.user)
    default_tab = (
        queues.WorkTab.TO_APPROVE
        if leading and not permissions.specialist_agency_ids(request.user)
        else queues.WorkTab.MINE
    )
    tab = request.GET.get("tab", default_tab)
    if tab not in tabs:
        tab = default_tab
    form = WorkQueueFilterForm(request.GET or None)
    filters = queues.WorkFilters(tab=tab)
    if form.is_valid():
        data = form.cleaned_data
        filters = queues.WorkFilters(
            tab=tab,
            q=data["q"],
            procedure=data["thu_tuc"],
            received_from=data["tu_ngay"],
            received_to=data["den_ngay"],
        )
    # A code, CCCD or phone number is looked for among all running dossiers, then among finished ones.
    searched_everywhere = (
        filters.tab not in (queues.WorkTab.ALL, queues.WorkTab.FINISHED)
        and queues.WorkTab.ALL in tabs
        and searches_everywhere(filters.q)
    )
    if searched_everywhere:
        tab = queues.WorkTab.ALL
        filters = dataclasses.replace(filters, tab=tab)
        if (
            queues.WorkTab.FINISHED in tabs
            and not queues.work_queue(user=request.user, filters=filters).exists()
        ):
            tab = queues.WorkTab.FINISHED
            filters = dataclasses.replace(filters, tab=tab)
    size = queue_page_size(request)
    page, rows = queue_page(request, queues.work_queue(user=request.user, filters=filters), size=size)
    counts = queues.work_queue_counts(user=request.user, tabs=tabs)
    bulk = tab == queues.WorkTab.TO_ASSIGN and bool(leading)
    return render(
        request,
        "dossiers/work_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "tabs": [(t, queues.WORK_TAB_LABELS[t], count_label(counts[t])) for t in tabs],
            "current_tab": tab,
            "needs_search": tab in queues.HISTORY_TABS and not filters.searching,
            "query": query_without(request, "trang"),
            "tab_query": query_without(request, "trang", "tab"),
            "page_sizes": QUEUE_PAGE_SIZES,
            "page_size": size,
            "bulk": bulk,
            "specialists": _specialists_of(leading) if bulk else [],
            "searched_everywhere": searched_everywhere,
        },
    )


def _specialists_of(agency_ids: set[int]):
    return (
        User.objects.filter(
            is_active=True,
            agency_memberships__agency__in=agency_ids,
            agency_memberships__role="specialist",
            agency_memberships__active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


@login_required
@require_POST
def bulk_assign(request):
    """Assign the dossiers ticked in the "to assign" tab to one specialist, or each to the least loaded."""
    leading = permissions.leading_agency_ids(request.user)
    if not leading:
        raise Http404
    back = safe_next_url(request, fallback=reverse("dossiers:work_queue"))
    ids = [int(v) for v in request.POST.getlist("ho_so") if v.isdigit()]
    candidates = Dossier.objects.filter(pk__in=ids, current_agency__in=leading).select_related(
        "procedure_version"
    )
    form = BulkAssignForm(
        request.POST, dossier_ids=[d.pk for d in candidates], specialists=_specialists_of(leading)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    chosen = [d for d in candidates if d.pk in form.cleaned_data["ho_so"]]
    result = services.dossiers_assign_bulk(
        dossiers=chosen, actor=request.user, specialist=form.cleaned_data["specialist"]
    )
    if result.assigned:
        messages.success(request, _("Đã phân công %(n)s hồ sơ.") % {"n": len(result.assigned)})
    for pk, reason in result.failed.items():
        code = next((d.reference for d in chosen if d.pk == pk), str(pk))
        messages.error(request, _("Hồ sơ %(code)s: %(reason)s") % {"code": code, "reason": reason})
    return redirect(back)


@login_required
def register(request):
    """The register of an agency for a period: a preview, and the Excel workbook (`?xuat=xlsx`)."""
    agencies = queues.register_agencies(user=request.user)
    if not agencies.exists():
        return forbidden(request, _("Trang này dành cho bộ phận một cửa và lãnh đạo cơ quan."))
    today = timezone.localdate()
    if "tu_ngay" in request.GET:
        form = RegisterForm(request.GET, agencies=agencies)
    else:
        form = RegisterForm(
            agencies=agencies,
            initial={"co_quan": agencies.first(), "tu_ngay": today.replace(day=1), "den_ngay": today},
        )
    context = {"form": form}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        rows = queues.register_rows(
            agency=data["co_quan"], date_from=data["tu_ngay"], date_to=data["den_ngay"]
        )
        if request.GET.get("xuat") == "xlsx":
            content = register_book.workbook_bytes(
                agency_name=data["co_quan"].name,
                date_from=data["tu_ngay"],
                date_to=data["den_ngay"],
                rows=rows,
            )
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            name = f"so-theo-doi-ho-so-{data['co_quan'].code}-{data['tu_ngay']:%Y%m%d}-{data['den_ngay']:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        query = request.GET.copy()
        query["xuat"] = "xlsx"
        context.update(
            rows=list(itertools.islice(rows, REGISTER_PREVIEW_ROWS)),
            preview_limit=REGISTER_PREVIEW_ROWS,
            export_query=query.urlencode(),
            agency=data["co_quan"],
        )
    return render(request, "dossiers/register.html", context)
