"""What every dossier page shares: finding the dossier the person may see, the one action-page pattern
(form → service → errors next to the fields), and the paging of queues."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.working_time import display_calendar, load_calendar
from procedures.forms_schema import applicant_form_class, choice_label, field_labels, field_order
from procedures.models import ProcedureVersion

from .. import permissions, queues, selectors, services
from ..constants import DossierState, EventAction
from ..models import Dossier

SCHEMA_PREFIX = "tk"
QUEUE_PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_QUEUE_PAGE_SIZE = 25


# ---- finding the dossier ------------------------------------------------------------------------------
def visible_dossier(request, pk: int) -> Dossier:
    dossier = selectors.dossier_detail(pk=pk)
    if dossier is None or not permissions.can_view(request.user, dossier):
        # The same answer for "does not exist" and "not yours": ids are not an oracle.
        raise Http404
    return dossier


class RedirectTo(Exception):
    """Raised deep in a view to answer with a redirect; `catch_redirect` turns it into the response."""

    def __init__(self, url: str):
        self.url = url


def catch_redirect(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except RedirectTo as exc:
            return redirect(exc.url)

    return wrapper


def editable_dossier(request, pk: int) -> Dossier:
    """The dossier the applicant may still change; otherwise back to its page (needs `catch_redirect`)."""
    dossier = visible_dossier(request, pk)
    if not permissions.can_edit_as_applicant(request.user, dossier):
        messages.info(request, _("Hồ sơ này đã nộp, không thể sửa."))
        raise RedirectTo(reverse("dossiers:detail", args=[pk]))
    return dossier


def forbidden(request, message: str):
    return render(request, "dossiers/forbidden.html", {"message": message}, status=403)


def desk_forbidden(request, *, allow_postal: bool = False):
    """The 403 page for someone who is not at a one-stop desk (postal staff may see the queue); None if allowed."""
    if permissions.can_use_intake_desk(request.user):
        return None
    if allow_postal and permissions.postal_agency_ids(request.user):
        return None
    return forbidden(request, _("Trang này dành cho cán bộ một cửa."))


# ---- forms and service errors -------------------------------------------------------------------------
def bound(request) -> tuple:
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def versioned(request, form_class, dossier: Dossier, **kwargs):
    """A form bound on POST that carries the dossier version the person saw."""
    return form_class(*bound(request), initial={"version": dossier.version}, **kwargs)


def expected_version(form) -> int | None:
    return form.cleaned_data.get("version") if form.is_bound and hasattr(form, "cleaned_data") else None


def applicant_data(form, *, kind: str) -> services.ApplicantData:
    """The applicant's details as typed in an ApplicantForm (online, or at the counter)."""
    data = form.cleaned_data
    return services.ApplicantData(
        kind=kind,
        name=data["applicant_name"],
        id_number=data["applicant_id_number"],
        address=data["applicant_address"],
        phone=data["applicant_phone"],
        email=data["applicant_email"],
    )


def schema_form(version: ProcedureVersion, data=None, initial=None):
    form_class = applicant_form_class(version.form_schema or {})
    return form_class(data=data, initial=initial, prefix=SCHEMA_PREFIX)


def place_errors(exc: ApplicationError, *forms_) -> bool:
    """Put a service's field errors next to the fields; True when every error found its field."""
    errors = exc.extra.get("errors") or {}
    placed = bool(errors)
    for key, message in errors.items():
        target = None
        field = key
        if key.startswith("form_"):
            field = key[len("form_") :]
            target = next((f for f in forms_ if getattr(f, "prefix", None) == SCHEMA_PREFIX), None)
        else:
            target = next((f for f in forms_ if key in f.fields), None)
        if target is not None and field in target.fields:
            target.add_error(field, message)
        elif forms_:
            forms_[0].add_error(None, message)
        else:
            placed = False
    return placed


def show_error(exc: ApplicationError, *forms_) -> None:
    """A service's refusal on the page: next to its fields, or at the top of the first form."""
    if not place_errors(exc, *forms_):
        forms_[0].add_error(None, exc.message)


def action_page(
    request,
    dossier: Dossier,
    *,
    form,
    call,
    success: str,
    title: str = "",
    submit_label: str = "",
    intro: str = "",
    danger: bool = False,
    multipart: bool = False,
    extra: dict | None = None,
    template: str = "dossiers/action.html",
    success_url: str | None = None,
):
    """One action on a dossier: show the form, call the service with the cleaned data and the version the
    person saw, put its errors next to the fields, and go back to the dossier page on success."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data, expected_version(form))
        except ApplicationError as exc:
            show_error(exc, form)
        else:
            messages.success(request, success)
            return redirect(success_url or reverse("dossiers:detail", args=[dossier.pk]))
    return render(
        request,
        template,
        {
            "dossier": dossier,
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "intro": intro,
            "danger": danger,
            "multipart": multipart,
            **(extra or {}),
        },
    )


# ---- what the pages show ------------------------------------------------------------------------------
def answers(dossier: Dossier) -> list[tuple[str, object]]:
    schema = dossier.procedure_version.form_schema or {}
    labels = field_labels(schema)
    data = dossier.form_data or {}
    return [
        (labels[name], choice_label(schema, name, data.get(name)))
        for name in field_order(schema)
        if name in data
    ]


def last_event(dossier: Dossier, action: str):
    return next((e for e in reversed(list(dossier.events.all())) if e.action == action), None)


def supplement_request(dossier: Dossier):
    """The request the applicant is answering: completion before reception, supplement after."""
    if dossier.state != DossierState.SUPPLEMENT_REQUESTED:
        return None
    action = EventAction.REQUEST_COMPLETION if dossier.is_before_reception else EventAction.REQUEST_SUPPLEMENT
    return last_event(dossier, action)


def closing_time(day: dt.date) -> dt.datetime:
    """A date an officer picks as a deadline means the close of that day's last working window (17:00)."""
    calendar = load_calendar()
    return dt.datetime.combine(day, calendar.windows[-1][1], calendar.tz)


# ---- queues -------------------------------------------------------------------------------------------
class BoundedPaginator(Paginator):
    """Pages of a list counted no further than `queues.COUNT_BOUND` + 1 rows: a list that reaches into
    years of finished dossiers costs a bounded count, shows "hơn 1.000" and pages no deeper than that."""

    @cached_property
    def count(self) -> int:
        return queues.bounded_count(self.object_list)

    @property
    def more(self) -> bool:
        return self.count > queues.COUNT_BOUND


def count_label(count: int | None) -> str:
    """A count for a tab: `1.234`, or "hơn 1.000" past the bound; empty when not counted."""
    if count is None:
        return ""
    if count > queues.COUNT_BOUND:
        return _("hơn %(n)s") % {"n": f"{queues.COUNT_BOUND:,}".replace(",", ".")}
    return f"{count:,}".replace(",", ".")


def queue_page(request, queryset, *, size: int) -> tuple[Page, list]:
    """One page of a dossier list, each row with the working time it has left (shown with the calendar kept
    per process, like the public lookup; deadlines themselves always read it afresh)."""
    page = BoundedPaginator(queryset, size).get_page(request.GET.get("trang"))
    calendar = display_calendar()
    rows = [(d, selectors.remaining_working_time(dossier=d, calendar=calendar)) for d in page.object_list]
    return page, rows


def queue_page_size(request) -> int:
    try:
        size = int(request.GET.get("so_dong", DEFAULT_QUEUE_PAGE_SIZE))
    except ValueError:
        return DEFAULT_QUEUE_PAGE_SIZE
    return size if size in QUEUE_PAGE_SIZES else DEFAULT_QUEUE_PAGE_SIZE


def searches_everywhere(q: str) -> bool:
    """A dossier code, CCCD, tax code or phone number names one person or one dossier: the officer wants it
    wherever it stands, not only in the tab or state they happen to be on."""
    term = (q or "").strip()
    return " " not in term and sum(c.isdigit() for c in term) >= 6


def query_without(request, *keys: str) -> str:
    """The current query string without some keys, for links that change only those."""
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()
