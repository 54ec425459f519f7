"""The public status lookup: no login, code + lookup secret."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portal import ratelimit
from portal.working_time import display_calendar

from .. import selectors
from ..documents import lookup_path
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
    """Public status by code + lookup secret (typed, or from the receipt's QR code). A found dossier's card
    comes with an empty form, to look up another one; the empty form is the same for everyone
    (`shared_fragment`).

    The status card is rendered once per state of the dossier and kept in the cache (`_status_card`). When the
    page is the one a receipt's QR code opens — the dossier's own address, an anonymous visitor, no message
    waiting to be shown — nothing on it belongs to the visitor (the language switch carries no token), so the
    whole page is kept under the card's key: a reload then costs the dossier's read and nothing else."""
    status, context, http_status = secret_lookup(request, LookupForm, selectors.dossier_public_status)
    if status is None:
        return no_store(render(request, "dossiers/lookup.html", context, status=http_status))
    remaining = selectors.remaining_working_time(dossier=status, calendar=display_calendar())
    key = _card_key(status, remaining)
    page_key = f"{key}:page" if _is_a_shared_page(request, status) else None
    page = cache.get(page_key) if page_key else None
    if page is not None:
        return no_store(HttpResponse(page))
    context.update(card=_status_card(status, remaining, key), form=LookupForm())
    response = render(request, "dossiers/lookup.html", context)
    if page_key:
        cache.set(page_key, response.content, settings.DOSSIER_STATUS_CACHE_SECONDS)
    return no_store(response)


def _is_a_shared_page(request, status) -> bool:
    return (
        request.get_full_path() == lookup_path(code=status.code, secret=status.lookup_secret)
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def _card_key(status, remaining) -> str:
    """Every change to what the card shows moves a part of the key: the services bump `version` with each
    transition and event, the sweep moves `deadline_status`, the time left its label; the key also names what
    the card prints (code, procedure, desk, reception), so a restored database or a test's rolled-back ids
    never meet another dossier's card."""
    parts = repr(
        (
            status.pk,
            status.code,
            status.procedure_version_id,
            status.receiving_agency_id,
            status.received_at and status.received_at.timestamp(),
            status.version,
            status.state,
            status.deadline_status,
            status.due_at and status.due_at.timestamp(),
            remaining.label if remaining else "",
            get_language(),
        )
    )
    return "dossier-status:" + hashlib.sha256(parts.encode()).hexdigest()


def _status_card(status, remaining, key: str) -> str:
    """The dossier's status card with its public timeline, kept in the cache under `key`: it depends on
    nothing of the visitor's, whatever case and spaces the codes were typed in."""
    card = cache.get(key)
    if card is None:
        details = selectors.public_status_details(status=status)
        card = render_to_string(
            "dossiers/includes/status_card.html", {"status": status, "remaining": remaining, **details}
        )
        cache.set(key, card, settings.DOSSIER_STATUS_CACHE_SECONDS)
    return mark_safe(card)  # noqa: S308 — rendered by our own template, escaped there
