"""The national sync log of one dossier, for the dossier page (officers)."""

from django import template

from ..models import NationalSyncItem, NationalSyncLog

register = template.Library()


@register.inclusion_tag("dossiers/includes/national_sync.html")
def national_sync_log(dossier, limit: int = 20):
    attempts = list(NationalSyncLog.objects.filter(dossier=dossier).order_by("-at", "-id")[:limit])
    pending = NationalSyncItem.objects.filter(dossier=dossier, sent_at__isnull=True).count()
    return {"attempts": attempts, "pending": pending, "dossier": dossier}
