"""The public status lookup: no login, code + lookup secret."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portal import ratelimit
from portal.working_time import display_calendar

from .. import selectors
from ..forms import LookupForm


def secret_lookup(request, form_class, find) -> tuple[object | None, dict, int]:
    """A public lookup by code and lookup secret (a dossier, a feedback): the form from the query string, then
    `find(code=, secret=)`. Wrong secrets and unknown codes get the same answer; failed attempts are limited per
    client address. Returns what was found (or None), the page context and the status."""
    form = form_class(request.GET if "ma" in request.GET else None)
    context: dict = {"form": form}
    if not (form.is_bound and form.is_valid()):
        return None, context, 200
    limit = ratelimit.lookup_limit()
    if ratelimit.is_blocked(limit, request):
        context["blocked_minutes"] = limit.minutes
        return None, context, 429
    found = find(code=form.cleaned_data["ma"], secret=form.cleaned_data["ma_tra_cuu"])
    if found is None:
        ratelimit.hit(limit, request)
        context["not_found"] = True
    return found, context, 200


def no_store(response):
    """The lookup secret may be in the URL (QR code): keep it out of caches and referrers."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def lookup(request):
    """Public status by code + lookup secret (typed, or from the receipt's QR code)."""
    dossier, context, status = secret_lookup(request, LookupForm, selectors.dossier_public_status)
    if dossier is not None:
        remaining = selectors.remaining_working_time(dossier=dossier, calendar=display_calendar())
        context["result"] = _status_card(dossier, remaining)
    return no_store(render(request, "dossiers/lookup.html", context, status=status))


def _status_card(dossier, remaining) -> str:
    """The dossier's status card with its public timeline, rendered once per state of the dossier and kept
    in the cache: it depends on nothing of the visitor's, and every change to what it shows moves a part of
    the key — the services bump `version` with each transition and event, the sweep moves
    `deadline_status`, the time left its label; the key also names what the card prints (code, procedure,
    desk, reception), so a restored database or a test's rolled-back ids never meet another dossier's card. Reloads of the page (a receipt's QR code) cost one read of
    the dossier and of the calendar instead of the timeline's query and its rendering."""
    parts = ":".join(
        str(part)
        for part in (
            dossier.pk,
            dossier.code,
            dossier.procedure_version_id,
            dossier.receiving_agency_id,
            dossier.received_at and dossier.received_at.timestamp(),
            dossier.version,
            dossier.state,
            dossier.deadline_status,
            dossier.due_at and dossier.due_at.timestamp(),
            remaining.label if remaining else "",
            get_language(),
        )
    )
    key = "dossier-status:" + hashlib.sha256(parts.encode()).hexdigest()
    card = cache.get(key)
    if card is None:
        card = render_to_string(
            "dossiers/includes/status_card.html",
            {
                "dossier": dossier,
                "remaining": remaining,
                "events": selectors.dossier_timeline(dossier=dossier, public_only=True),
            },
        )
        cache.set(key, card, settings.DOSSIER_STATUS_CACHE_SECONDS)
    return mark_safe(card)  # noqa: S308 — rendered by our own template, escaped there
