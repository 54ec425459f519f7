"""Documents in Kho dữ liệu and their versions: upload, a new version, deletion by the owner, revocation by the
issuing agency; duplicates refused and every change written to the document's history.

NĐ 45/2020/NĐ-CP, Điều 16 (Kho quản lý dữ liệu điện tử của tổ chức, cá nhân).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import Organisation, User
from portal.uploads import check_upload

from .. import processing, signing
from ..constants import (
    DocumentEventKind,
    DocumentSource,
    TextExtraction,
)
from ..models import (
    DocumentEvent,
    DocumentVersion,
    StoredDocument,
)
from ..permissions import (
    can_revoke,
    user_acts_for,
)

logger = logging.getLogger(__name__)


Owner = User | Organisation


DOCUMENT_ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


class DuplicateDocument(Conflict):
    code = "duplicate_document"


def _owner_fields(owner: Owner) -> dict:
    if isinstance(owner, Organisation):
        return {"owner_user": None, "owner_organisation": owner}
    if not isinstance(owner, User) or not owner.is_citizen:
        raise ApplicationError("Chủ sở hữu giấy tờ phải là công dân hoặc tổ chức.")
    return {"owner_user": owner, "owner_organisation": None}


def _check_validity(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from and valid_to and valid_from > valid_to:
        raise ApplicationError("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.", code="validity_order")


def find_duplicate(*, owner: Owner, sha256s: Sequence[str]) -> StoredDocument | None:
    """A document the owner still holds whose content has one of these checksums."""
    if not sha256s:
        return None
    return (
        StoredDocument.objects.visible()
        .owned_by(owner)
        .filter(versions__sha256__in=list(sha256s))
        .order_by("created_at")
        .first()
    )


def _raise_duplicate(existing: StoredDocument) -> None:
    raise DuplicateDocument(
        f"Giấy tờ này đã có trong Kho dữ liệu: “{existing.title}” "
        f"(đưa vào Kho ngày {timezone.localtime(existing.created_at):%d/%m/%Y}). Không cần tải lên lại.",
        extra={"document_id": existing.pk},
    )


def _event(document: StoredDocument, kind: str, actor: User | None, **data) -> DocumentEvent:
    return DocumentEvent.objects.create(document=document, kind=kind, actor=actor, data=data)


def _version_create(
    *,
    document: StoredDocument,
    data: bytes,
    original_name: str,
    mime_type: str,
    actor: User | None,
    note: str = "",
    extracted_text: str = "",
    text_extraction: str = TextExtraction.NONE,
    signature_info: dict | None = None,
) -> DocumentVersion:
    """A new immutable version, with its checksum, page count and thumbnail, made current."""
    import hashlib

    page_count = None
    if mime_type == "application/pdf":
        try:
            page_count = processing.pdf_page_count(data)
        except Exception:  # noqa: BLE001 — a PDF pdfium cannot count still stores
            page_count = None
    elif mime_type in processing.IMAGE_MIME_TYPES:
        page_count = 1
    if signature_info is None and mime_type == "application/pdf":
        signature_info = signing.signature_summary(data)
    number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=original_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        mime_type=mime_type,
        size=len(data),
        page_count=page_count,
        extracted_text=extracted_text,
        text_extraction=text_extraction,
        signature_info=signature_info or {},
        note=note,
        created_by=actor,
    )
    version.file.save(original_name, ContentFile(data), save=False)
    thumbnail = processing.thumbnail_png(data, mime_type)
    if thumbnail:
        version.thumbnail.save("thumbnail.png", ContentFile(thumbnail), save=False)
    version.save()
    document.current_version = version
    document.save(update_fields=["current_version"])
    return version


@transaction.atomic
def document_upload(
    *,
    actor: User,
    owner: Owner,
    file,
    document_type_code: str,
    document_type_name: str,
    title: str,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    consent_to_reuse: bool = True,
) -> StoredDocument:
    """A citizen or organisation puts one of its own documents into its Kho (NĐ 45/2020, Điều 16 khoản 2).

    The same content twice is refused: the owner already holds it and can reuse it.
    """
    if not user_acts_for(actor, owner):
        raise NotPermitted("Bạn không được thêm giấy tờ vào Kho dữ liệu của chủ sở hữu này.")
    _check_validity(valid_from, valid_to)
    checked = check_upload(file, allowed=DOCUMENT_ALLOWED)
    existing = find_duplicate(owner=owner, sha256s=[checked.sha256])
    if existing:
        _raise_duplicate(existing)
    document = StoredDocument.objects.create(
        **_owner_fields(owner),
        document_type_code=document_type_code.strip(),
        document_type_name=document_type_name.strip(),
        title=title.strip(),
        number=number.strip(),
        source=DocumentSource.UPLOADED,
        issuer=issuer.strip(),
        issued_on=issued_on,
        valid_from=valid_from,
        valid_to=valid_to,
        consent_to_reuse=consent_to_reuse,
        created_by=actor,
    )
    file.seek(0)
    _version_create(
        document=document,
        data=file.read(),
        original_name=getattr(file, "name", "tai-lieu"),
        mime_type=checked.mime_type,
        actor=actor,
    )
    _event(document, DocumentEventKind.CREATED, actor, source=DocumentSource.UPLOADED, sha256=checked.sha256)
    return document


@transaction.atomic
def document_add_version(*, actor: User, document: StoredDocument, file, note: str = "") -> DocumentVersion:
    """A newer copy of an uploaded document (e.g. a clearer scan). Earlier versions stay as history."""
    document = StoredDocument.objects.select_for_update().get(pk=document.pk)
    if not user_acts_for(actor, document.owner) or document.source != DocumentSource.UPLOADED:
        raise NotPermitted("Chỉ giấy tờ do chính bạn tải lên mới được thay tệp.")
    if document.deleted_at:
        raise Conflict("Giấy tờ đã bị xóa.")
    checked = check_upload(file, allowed=DOCUMENT_ALLOWED)
    existing = find_duplicate(owner=document.owner, sha256s=[checked.sha256])
    if existing:
        _raise_duplicate(existing)
    file.seek(0)
    version = _version_create(
        document=document,
        data=file.read(),
        original_name=getattr(file, "name", "tai-lieu"),
        mime_type=checked.mime_type,
        actor=actor,
        note=note,
    )
    _event(document, DocumentEventKind.VERSION_ADDED, actor, version=version.number, sha256=checked.sha256)
    return version


@transaction.atomic
def document_delete(*, actor: User, document: StoredDocument) -> None:
    """The owner removes a document they uploaded. Issued results and digitised documents cannot be deleted.

    The row and its history stay for the audit trail; the file itself is erased unless a dossier used it
    (a filed dossier keeps what it was filed with, TT 01/2023/TT-VPCP).
    """
    document = StoredDocument.objects.select_for_update().get(pk=document.pk)
    if not user_acts_for(actor, document.owner):
        raise NotPermitted("Bạn không có quyền xóa giấy tờ này.")
    if not document.can_be_deleted_by_owner():
        raise NotPermitted(
            "Giấy tờ do cơ quan nhà nước cấp hoặc số hóa không thể xóa khỏi Kho dữ liệu.",
            code="not_deletable",
        )
    document.deleted_at = timezone.now()
    document.save(update_fields=["deleted_at"])
    used = document.uses.exists()
    _event(document, DocumentEventKind.DELETED, actor, file_kept_for_dossiers=used)
    if not used:
        names = []
        for version in document.versions.all():
            names.extend(f.name for f in (version.file, version.thumbnail) if f)
        transaction.on_commit(lambda: _erase_files(names))


def _erase_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Không xóa được tệp %s", name)


@transaction.atomic
def document_revoke(*, actor: User, document: StoredDocument, reason: str) -> StoredDocument:
    """The issuing or digitising agency revokes a document (thu hồi); it is no longer offered or valid."""
    document = StoredDocument.objects.select_for_update().get(pk=document.pk)
    if not can_revoke(actor, document):
        raise NotPermitted("Chỉ cơ quan đã cấp hoặc số hóa giấy tờ mới được thu hồi.")
    if not reason.strip():
        raise ApplicationError("Cần ghi lý do thu hồi.", code="reason_required")
    if document.revoked_at:
        raise Conflict("Giấy tờ đã bị thu hồi trước đó.")
    document.revoked_at = timezone.now()
    document.revoked_reason = reason.strip()[:500]
    document.save(update_fields=["revoked_at", "revoked_reason"])
    _event(document, DocumentEventKind.REVOKED, actor, reason=document.revoked_reason)
    return document
