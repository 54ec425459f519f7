"""Limits of the public verification of electronic results (page and API share the same counters).

Checking a PDF costs the server a signature validation, and a verification code is a secret: every check is
counted per client address, and so is every unknown verification link (portal.ratelimit).
"""

from django.conf import settings

from portal.ratelimit import Limit


def verification_limit() -> Limit:
    return Limit(
        scope="kho-xac-thuc",
        limit=getattr(settings, "REPOSITORY_VERIFY_LIMIT", 30),
        window=getattr(settings, "REPOSITORY_VERIFY_WINDOW_SECONDS", 600),
    )


def verification_link_limit() -> Limit:
    """Failed openings of /xac-thuc/<id>/<token>/ (someone guessing tokens); valid QR links are not counted."""
    return Limit(
        scope="kho-xac-thuc-lien-ket",
        limit=getattr(settings, "REPOSITORY_VERIFY_LIMIT", 30),
        window=getattr(settings, "REPOSITORY_VERIFY_WINDOW_SECONDS", 600),
    )
