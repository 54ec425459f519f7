"""A fixed-window counter in the shared cache (Redis when REDIS_URL is set), keyed by client address."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address; behind N trusted proxies, the N-th address from the right of X-Forwarded-For."""
    proxies = getattr(settings, "DOSSIER_LOOKUP_PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(scope: str, ip: str) -> str:
    return f"ratelimit:{scope}:{ip}"


def is_blocked(scope: str, ip: str, *, limit: int) -> bool:
    return (cache.get(_key(scope, ip)) or 0) >= limit


def record_failure(scope: str, ip: str, *, window: int) -> int:
    key = _key(scope, ip)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def lookup_limits() -> tuple[int, int]:
    return (
        getattr(settings, "DOSSIER_LOOKUP_LIMIT", 10),
        getattr(settings, "DOSSIER_LOOKUP_WINDOW_SECONDS", 900),
    )
