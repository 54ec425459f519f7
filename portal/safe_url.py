"""The one check every redirect target taken from a request goes through (`next`, and anything like it).

A target is followed only when it stays on this site: a path, or an absolute URL to the host the request came
to, over HTTPS when the site is served over HTTPS. `//evil.example/`, `/\\evil.example`, `https://evil.example/`
and their look-alikes (control characters, backslashes) fall back to a page of ours.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_redirect(request, target: str | None) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure() or settings.SECURE_SSL_REDIRECT,
    )


def safe_redirect_target(request, target: str | None, *, fallback: str) -> str:
    return target if is_safe_redirect(request, target) else fallback


def safe_next_url(request, *, fallback: str, param: str = "next") -> str:
    """The `next` of the form (or of the query string) when it is safe, else `fallback`."""
    target = request.POST.get(param) or request.GET.get(param)
    return safe_redirect_target(request, target, fallback=fallback)
