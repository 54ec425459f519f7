"""Reads: the inbox, a dossier's delivery status, failures for administrators."""

from __future__ import annotations

from django.db.models import QuerySet

from .constants import Channel, Status
from .models import Notification


def inbox_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by("-created_at", "-pk")


def inbox_unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).count()


def delivery_status_for_dossier(*, dossier_id: int, recipient=None) -> QuerySet[Notification]:
    """The rows written for a dossier's events on every channel but the inbox (SMS, Zalo, e-mail), newest
    first; only the recipient's own when `recipient` is given."""
    rows = Notification.objects.filter(dossier_id=dossier_id).exclude(channel=Channel.INBOX)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    return rows.select_related("recipient").order_by("-created_at", "-pk")


def failures() -> QuerySet[Notification]:
    return (
        Notification.objects.filter(status=Status.FAILED)
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )
