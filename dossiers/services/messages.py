"""Messages on the dossier between the applicant and the officers handling it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from portal.errors import NotPermitted
from portal.storage import atomic_with_files

from .. import permissions
from ..constants import EventAction
from ..models import Dossier, DossierMessage
from .core import check_upload_for, field_error, lock_dossier, record_event

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from portal.models import User


def dossier_message_post(
    *,
    dossier: Dossier,
    actor: User,
    body: str,
    attachment: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> DossierMessage:
    """A message on the dossier between the applicant and the officers handling it, with an optional
    attachment, kept in the timeline of both sides (TT 21/2023/TT-BTTTT: trao đổi trong quá trình giải
    quyết). Never on the public lookup page."""
    body = (body or "").strip()
    if not body:
        raise field_error("body", "Nhập nội dung trao đổi.")
    if len(body) > 4000:
        raise field_error("body", "Nội dung trao đổi tối đa 4.000 ký tự.")
    checked = check_upload_for("attachment", attachment) if attachment is not None else None
    at = at or timezone.now()
    with atomic_with_files() as files:
        locked = lock_dossier(dossier, None)
        if not permissions.can_message(actor, locked):
            raise NotPermitted("Bạn không tham gia giải quyết hồ sơ này nên không gửi được trao đổi.")
        from_applicant = permissions.can_act_as_applicant(actor, locked)
        event = record_event(
            dossier=locked,
            actor=actor,
            action=EventAction.MESSAGE,
            from_state=locked.state,
            at=at,
            reason=body,
            payload={"from_applicant": from_applicant},
            public=False,
        )
        message = DossierMessage(
            dossier=locked,
            event=event,
            author=actor,
            from_applicant=from_applicant,
            body=body,
            created_at=at,
        )
        if attachment is not None:
            attachment.seek(0)
            message.attachment.save(f"trao-doi.{checked.extension}", attachment, save=False)
            files.add(message.attachment)
            message.attachment_name = (attachment.name or "tep")[:255]
            message.attachment_mime = checked.mime_type
            message.attachment_size = checked.size
            message.attachment_sha256 = checked.sha256
        message.save()
    return message
