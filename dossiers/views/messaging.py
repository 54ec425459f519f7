"""Messages between the applicant and the officers on a dossier, and their attachments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import permissions, services
from ..forms import MessageForm
from ..models import DossierAccessLog
from .common import action_page, bound, visible_dossier


@login_required
def message(request, pk: int):
    """Post a message on the dossier (a plain form on the dossier page; errors come back to this page)."""
    dossier = visible_dossier(request, pk)
    if not permissions.can_message(request.user, dossier):
        raise Http404
    return action_page(
        request,
        dossier,
        form=MessageForm(*bound(request)),
        call=lambda data, v: services.dossier_message_post(
            dossier=dossier, actor=request.user, body=data["body"], attachment=data.get("attachment")
        ),
        success=_("Đã gửi trao đổi."),
        success_url=f"{reverse('dossiers:detail', args=[pk])}#trao-doi",
        title=_("Gửi trao đổi"),
        submit_label=_("Gửi"),
        multipart=True,
    )


@login_required
def message_attachment(request, pk: int, message_pk: int):
    dossier = visible_dossier(request, pk)
    item = get_object_or_404(dossier.messages, pk=message_pk)
    if not item.attachment:
        raise Http404
    services.dossier_record_officer_read(
        dossier=dossier,
        actor=request.user,
        purpose=DossierAccessLog.Purpose.ATTACHMENT,
        detail=item.attachment_name,
    )
    return FileResponse(
        item.attachment.open("rb"),
        as_attachment=True,
        filename=item.attachment_name,
        content_type=item.attachment_mime or "application/octet-stream",
    )
