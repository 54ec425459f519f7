"""Reuse of stored documents (once-only, NĐ 45/2020/NĐ-CP Điều 16–17): the owner's consent, a document used for
a dossier component instead of a new upload, and the logged reads of a document (NĐ 13/2023/NĐ-CP)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.errors import Conflict, NotPermitted
from portal.models import User

from ..constants import (
    AccessPurpose,
    DocumentEventKind,
)
from ..models import (
    DocumentAccessLog,
    DocumentUse,
    DocumentVersion,
    StoredDocument,
)
from ..permissions import (
    can_read_document,
    user_acts_for,
)
from .documents import _event


@transaction.atomic
def document_set_consent(*, actor: User, document: StoredDocument, consent: bool) -> StoredDocument:
    """The owner allows or withdraws reuse of a document when filing (NĐ 45/2020, Điều 16 khoản 4)."""
    document = StoredDocument.objects.select_for_update().get(pk=document.pk)
    if not user_acts_for(actor, document.owner):
        raise NotPermitted("Chỉ chủ sở hữu mới được thay đổi sự đồng ý chia sẻ.")
    if document.consent_to_reuse != consent:
        document.consent_to_reuse = consent
        document.save(update_fields=["consent_to_reuse"])
        _event(document, DocumentEventKind.CONSENT_CHANGED, actor, consent=consent)
    return document


@transaction.atomic
def document_record_use(
    *,
    document: StoredDocument,
    dossier_id: int,
    component_id: int,
    actor: User | None = None,
    on: dt.date | None = None,
) -> DocumentUse:
    """Link a stored document to a dossier component instead of a new upload (once-only, NĐ 45/2020 Điều 17).

    The document is referenced, not copied; the version used is pinned so that the dossier keeps exactly
    what it was filed with. Recording the same use twice returns the first record.
    """
    document = StoredDocument.objects.select_for_update().get(pk=document.pk)
    on = on or timezone.localdate()
    if actor is not None and not (user_acts_for(actor, document.owner) or can_read_document(actor, document)):
        raise NotPermitted("Bạn không được sử dụng giấy tờ này.")
    existing = DocumentUse.objects.filter(
        document=document, dossier_id=dossier_id, component_id=component_id
    ).first()
    if existing:
        return existing
    if document.deleted_at:
        raise Conflict("Giấy tờ đã bị xóa khỏi Kho dữ liệu.", code="document_deleted")
    if not document.consent_to_reuse:
        raise Conflict("Chủ sở hữu chưa đồng ý sử dụng lại giấy tờ này.", code="no_consent")
    if document.revoked_at:
        raise Conflict("Giấy tờ đã bị thu hồi, không thể sử dụng.", code="document_revoked")
    if not document.is_valid_on(on):
        raise Conflict("Giấy tờ không còn hiệu lực, không thể sử dụng.", code="document_expired")
    use = DocumentUse.objects.create(
        document=document,
        version=document.current_version,
        dossier_id=dossier_id,
        component_id=component_id,
        used_by=actor,
    )
    _event(document, DocumentEventKind.USED, actor, dossier_id=dossier_id, component_id=component_id)
    return use


def document_log_access(
    *,
    actor: User,
    document: StoredDocument,
    version: DocumentVersion | None,
    purpose: str = AccessPurpose.DOWNLOAD,
    ip_address: str | None = None,
) -> DocumentAccessLog:
    """Record a read of a document (who read whose document), refusing readers without a reason to read.

    NĐ 13/2023/NĐ-CP and the security level of the system (DOMAIN §9) require an audit of every read of
    personal data by officers; reads by the owner are logged too so the owner can see the whole list.
    """
    if not can_read_document(actor, document):
        raise NotPermitted("Bạn không có quyền xem giấy tờ này.")
    return DocumentAccessLog.objects.create(
        document=document,
        version=version,
        owner_user_id=document.owner_user_id,
        owner_organisation_id=document.owner_organisation_id,
        accessed_by=actor,
        purpose=purpose,
        by_owner=user_acts_for(actor, document.owner),
        ip_address=ip_address,
    )
