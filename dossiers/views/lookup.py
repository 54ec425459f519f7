"""The public status lookup: no login, code + lookup secret."""

from __future__ import annotations

from django.shortcuts import render

from portal import ratelimit

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
    dossier, context, status = secret_lookup(request, LookupForm, selectors.dossier_lookup)
    if dossier is not None:
        context.update(
            {
                "dossier": dossier,
                "events": selectors.dossier_timeline(dossier=dossier, public_only=True),
                "remaining": selectors.remaining_working_time(dossier=dossier),
            }
        )
    return no_store(render(request, "dossiers/lookup.html", context, status=status))
