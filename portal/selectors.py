"""Reads for the web shell."""

from __future__ import annotations

from .constants import Role
from .models import Agency, User


def home_context_for(*, user: User, role: str) -> dict:
    """What each role's home page shows first. Apps add their own widgets through their selectors."""
    context: dict = {}
    if role in (Role.INTAKE_OFFICER, Role.SPECIALIST, Role.APPROVER, Role.AGENCY_LEADER, Role.POSTAL):
        context["agencies"] = list(user.agencies())
    elif role == Role.CITIZEN:
        context["organisations"] = list(user.organisations.all())
    elif role in (Role.PROVINCE_LEADER, Role.ADMINISTRATOR):
        context["agency_count"] = Agency.objects.filter(active=True).count()
    return context
