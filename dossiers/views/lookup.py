"""The public status lookup: no login, code + lookup secret."""

from __future__ import annotations

from django.shortcuts import render

from portal import ratelimit

from .. import selectors
from ..forms import LookupForm


def lookup(request):
    """Public status by code + lookup secret (typed, or from the receipt's QR code). Wrong secrets and
    unknown codes get the same answer; failed attempts are limited per client address."""
    form = LookupForm(request.GET if "ma" in request.GET else None)
    context: dict = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        limit = ratelimit.lookup_limit()
        if ratelimit.is_blocked(limit, request):
            context["blocked_minutes"] = limit.minutes
            status = 429
        else:
            dossier = selectors.dossier_lookup(
                code=form.cleaned_data["ma"], secret=form.cleaned_data["ma_tra_cuu"]
            )
            if dossier is None:
                ratelimit.hit(limit, request)
                context["not_found"] = True
            else:
                context.update(
                    {
                        "dossier": dossier,
                        "events": selectors.dossier_timeline(dossier=dossier, public_only=True),
                        "remaining": selectors.remaining_working_time(dossier=dossier),
                    }
                )
    response = render(request, "dossiers/lookup.html", context, status=status)
    # The lookup secret may be in the URL (QR code): keep it out of caches and referrers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
