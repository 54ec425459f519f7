"""Per-client rate limits (django-ratelimit) in the shared cache (Redis when REDIS_URL is set).

Generic: a `Limit` names a scope, how many hits are allowed and the window in seconds. Pages and API views
ask `is_blocked` before doing the work and `hit` to count an attempt (every attempt for expensive work, only
failures for a guessing game); `allow` does both. Counters are django-ratelimit's fixed windows, shared by
every web process through the cache and keyed on the client's network: the address itself for IPv4, its
/64 for IPv6 (RATELIMIT_IPV6_MASK), because one subscriber usually holds a whole /64 and could otherwise
walk through fresh addresses. The client address honours TRUSTED_PROXY_COUNT (`client_ip`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import get_usage


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


def ratelimit_ip(request) -> str:
    """django-ratelimit's RATELIMIT_IP_META_KEY: the address of `client_ip`, or one shared bucket for
    clients without a usable address (the library masks it to the IPv6 /64 itself)."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"


def _usage(limit: Limit, request, *, increment: bool, key: str = "ip") -> dict:
    return get_usage(
        request, group=limit.scope, key=key, rate=(limit.limit, limit.window), increment=increment
    ) or {"count": 0, "limit": limit.limit, "should_limit": False}  # None: RATELIMIT_ENABLE is off


# `key`: "ip" counts per client network (the default); "user" per signed-in account (django-ratelimit falls
# back to the address for an anonymous visitor), for limits that must also hold across addresses.


def is_blocked(limit: Limit, request, *, key: str = "ip") -> bool:
    """Whether this client has used up the window (or the counter cannot be read: fail closed)."""
    usage = _usage(limit, request, increment=False, key=key)
    return usage["count"] >= usage["limit"]


def hit(limit: Limit, request, *, key: str = "ip") -> int:
    """Count one attempt; returns the count in the current window."""
    return _usage(limit, request, increment=True, key=key)["count"]


def allow(limit: Limit, request, *, key: str = "ip") -> bool:
    """Count this attempt and say whether it may go ahead (at most `limit.limit` per window)."""
    return not _usage(limit, request, increment=True, key=key)["should_limit"]


def lookup_limit() -> Limit:
    """Failed public lookups (code + secret) allowed per client address (DOSSIER_LOOKUP_* settings)."""
    return Limit("lookup", settings.DOSSIER_LOOKUP_LIMIT, settings.DOSSIER_LOOKUP_WINDOW_SECONDS)


def feedback_limit() -> Limit:
    """Feedback (PAKN) filed per client address (FEEDBACK_FILE_* settings): anyone may file, spam may not."""
    return Limit("feedback", settings.FEEDBACK_FILE_LIMIT, settings.FEEDBACK_FILE_WINDOW_SECONDS)


def appointment_limit() -> Limit:
    """Bookings per client address (APPOINTMENT_BOOK_* settings), so nobody fills a desk's day with fake names."""
    return Limit("appointment", settings.APPOINTMENT_BOOK_LIMIT, settings.APPOINTMENT_BOOK_WINDOW_SECONDS)


def contact_code_send_limit() -> Limit:
    """Verification codes sent to a phone or e-mail (each an SMS or a mail paid for), per client address and
    per account (NOTIFY_CODE_SEND_* settings)."""
    return Limit(
        "contact-code-send", settings.NOTIFY_CODE_SEND_LIMIT, settings.NOTIFY_CODE_SEND_WINDOW_SECONDS
    )


def contact_code_verify_limit() -> Limit:
    """Wrong verification codes typed, per client address and per account (NOTIFY_CODE_VERIFY_* settings)."""
    return Limit(
        "contact-code-verify", settings.NOTIFY_CODE_VERIFY_LIMIT, settings.NOTIFY_CODE_VERIFY_WINDOW_SECONDS
    )
