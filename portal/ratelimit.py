"""Fixed-window counters per client address in the shared cache (Redis when REDIS_URL is set).

Generic: a `Limit` names a scope, how many hits are allowed and the window in seconds. Pages and API views
ask `is_blocked` before doing the work and `hit` to count an attempt (every attempt for expensive work, only
failures for a guessing game). Counters are shared by every web process through the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, -(-self.window // 60))


def client_ip(request) -> str:
    """The client's address; behind N trusted proxies, the N-th address from the right of X-Forwarded-For
    (the left part can be forged by the client, the right part was written by our own proxies)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(limit: Limit, ip: str) -> str:
    return f"ratelimit:{limit.scope}:{ip}"


def count(limit: Limit, ip: str) -> int:
    return int(cache.get(_key(limit, ip)) or 0)


def is_blocked(limit: Limit, ip: str) -> bool:
    return count(limit, ip) >= limit.limit


def hit(limit: Limit, ip: str) -> int:
    """Count one attempt; returns the count in the current window (the window starts at the first hit)."""
    key = _key(limit, ip)
    if cache.add(key, 1, timeout=limit.window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window)
        return 1


def allow(limit: Limit, ip: str) -> bool:
    """Count this attempt and say whether it may go ahead (at most `limit.limit` per window)."""
    if is_blocked(limit, ip):
        return False
    return hit(limit, ip) <= limit.limit


def lookup_limit() -> Limit:
    """Failed public lookups (code + secret) allowed per client address (DOSSIER_LOOKUP_* settings)."""
    return Limit("lookup", settings.DOSSIER_LOOKUP_LIMIT, settings.DOSSIER_LOOKUP_WINDOW_SECONDS)
