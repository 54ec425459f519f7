"""Writes for Kho dữ liệu: storing, versioning, reusing, revoking documents; digitisation; signed results.

Legal frame: NĐ 45/2020/NĐ-CP (Điều 16–17: Kho quản lý dữ liệu điện tử của tổ chức, cá nhân; once-only reuse),
TT 01/2023/TT-VPCP (digitisation of dossiers and results), NĐ 23/2025/NĐ-CP (electronic signatures).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import Agency, Organisation, User
from portal.uploads import check_upload, sha256_of

from . import processing, signing
from .constants import (
    AccessPurpose,
    BackfileRowStatus,
    DocumentEventKind,
    DocumentSource,
    DossierLinkState,
    JobStatus,
    TextExtraction,
)
from .hooks import dossier_hooks
from .models import (
    BackfileBatch,
    BackfileRow,
    DigitisationEvent,
    DigitisationInput,
    DigitisationJob,
    DocumentAccessLog,
    DocumentEvent,
    DocumentUse,
    DocumentVersion,
    SigningCertificate,
    StoredDocument,
)
from .permissions import (
    can_digitise,
    can_read_document,
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


# --- Documents ---------------------------------------------------------------------------------------


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


# --- Signed results ---------------------------------------------------------------------------------


def verification_url(document: StoredDocument) -> str:
    path = reverse("repository:verify_link", args=[document.pk, document.verification_token])
    return f"{settings.SITE_URL}{path}"


def verification_code(document: StoredDocument) -> str:
    """What a person types on the verification page when they hold a paper copy: `<id>-<token>`."""
    return f"{document.pk}-{document.verification_token}"


def signing_certificate_current(agency: Agency) -> SigningCertificate | None:
    now = timezone.now()
    return (
        SigningCertificate.objects.filter(
            agency=agency, revoked_at__isnull=True, not_before__lte=now, not_after__gt=now
        )
        .order_by("-not_after")
        .first()
    )


def _certificate_row(agency: Agency, issued: signing.IssuedCertificate) -> SigningCertificate:
    cert = issued.certificate
    return SigningCertificate.objects.create(
        agency=agency,
        serial_number=issued.serial_hex,
        fingerprint_sha256=issued.fingerprint,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        certificate_pem=issued.pem,
        key_path=str(issued.key_path),
    )


@transaction.atomic
def signing_certificate_issue(
    *, agency: Agency, not_before: dt.datetime | None = None, valid_days: int = 730
) -> SigningCertificate:
    """A development signing certificate for an agency, from the development CA in PKI_DIR."""
    issued = signing.agency_certificate_generate(agency, not_before=not_before, valid_days=valid_days)
    return _certificate_row(agency, issued)


@transaction.atomic
def signing_certificate_import(*, agency: Agency, p12: bytes, passphrase: bytes | None) -> SigningCertificate:
    """An agency certificate issued by a real CA (PKCS#12). Its chain is kept in PKI_DIR/chain."""
    try:
        issued, chain = signing.agency_certificate_import_p12(agency, data=p12, passphrase=passphrase)
    except ValueError as exc:
        raise ApplicationError(f"Không đọc được tệp chứng thư: {exc}") from exc
    from cryptography.hazmat.primitives import serialization

    chain_dir = signing.pki_dir() / "chain"
    chain_dir.mkdir(parents=True, exist_ok=True)
    for cert in chain:
        (chain_dir / f"{format(cert.serial_number, 'x')}.pem").write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
        )
    return _certificate_row(agency, issued)


@transaction.atomic
def signing_certificate_revoke(*, certificate: SigningCertificate, reason: str) -> SigningCertificate:
    """Stop using a certificate (lost key, staff change). Results it signed earlier stay verifiable."""
    certificate = SigningCertificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason[:300]
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
    return certificate


SIGNING_ROLES = (Role.APPROVER, Role.AGENCY_LEADER)


@transaction.atomic
def result_issue(
    *,
    actor: User,
    agency: Agency,
    owner: Owner,
    pdf: bytes,
    document_type_code: str,
    document_type_name: str,
    title: str,
    number: str = "",
    issued_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    dossier_id: int | None = None,
    filename: str = "ket-qua.pdf",
) -> StoredDocument:
    """Sign an electronic result with the agency's certificate and put it in the applicant's Kho.

    NĐ 45/2020/NĐ-CP Điều 16: results issued electronically are stored in the holder's Kho dữ liệu and have
    the value of the paper result; NĐ 23/2025/NĐ-CP: the agency signs with its digital signature. The signed
    PDF carries a QR code to the public verification page.
    """
    if not any(actor.has_role(role, agency) for role in SIGNING_ROLES):
        raise NotPermitted("Chỉ lãnh đạo của cơ quan giải quyết mới được ký kết quả.")
    if not pdf.startswith(b"%PDF"):
        raise ApplicationError("Kết quả phải là tệp PDF.", code="result_not_pdf")
    _check_validity(valid_from, valid_to)
    certificate = signing_certificate_current(agency)
    if certificate is None:
        raise ApplicationError(
            f"{agency.name} chưa có chứng thư ký số còn hiệu lực. Quản trị viên cần cấp hoặc nạp chứng thư "
            "(lệnh create_signing_certificates).",
            code="no_signing_certificate",
        )
    issued_on = issued_on or timezone.localdate()
    document = StoredDocument.objects.create(
        **_owner_fields(owner),
        document_type_code=document_type_code,
        document_type_name=document_type_name,
        title=title,
        number=number,
        source=DocumentSource.ISSUED_RESULT,
        issuer=agency.name,
        issuing_agency=agency,
        issued_on=issued_on,
        valid_from=valid_from or issued_on,
        valid_to=valid_to,
        origin_dossier_id=dossier_id,
        consent_to_reuse=True,
        created_by=actor,
    )
    signed = signing.sign_pdf(
        pdf,
        certificate=certificate,
        verification_url=verification_url(document),
        verification_page=f"{settings.SITE_URL}{reverse('repository:verify')}",
        verification_code=verification_code(document),
        signer_name=agency.name,
        reason=f"Kết quả giải quyết thủ tục hành chính: {title}"[:200],
        location=agency.address,
    )
    version = _version_create(
        document=document, data=signed, original_name=filename, mime_type="application/pdf", actor=actor
    )
    _event(
        document,
        DocumentEventKind.CREATED,
        actor,
        source=DocumentSource.ISSUED_RESULT,
        sha256=version.sha256,
        certificate=certificate.serial_number,
        dossier_id=dossier_id,
    )
    return document


# --- Digitisation -----------------------------------------------------------------------------------


def _check_dossier_component(
    *, agency: Agency, owner: Owner, dossier_id: int | None, component_id: int | None
) -> None:
    """A job made for a dossier names one of its components, is done by an agency that received, handles or
    took part in the dossier, and stores the document for the dossier's own applicant (checked by the dossiers
    app, `DossierHooks.check_digitisation_target`)."""
    if dossier_id is None or component_id is None:
        raise ApplicationError("Cần chọn cả hồ sơ và thành phần hồ sơ được số hóa.", code="dossier_component")
    hooks = dossier_hooks()
    if hooks is None:
        raise ApplicationError("Không tìm thấy hồ sơ cần số hóa.", code="dossier_not_found")
    hooks.check_digitisation_target(
        agency=agency, owner=owner, dossier_id=dossier_id, component_id=component_id
    )


def digitisation_job_link_dossier(*, job_id: int) -> str:
    """Put the PDF of a finished job into the dossier component it was made for, marked digitised
    (TT 01/2023/TT-VPCP: thành phần hồ sơ được số hóa; counted by the KPI index, QĐ 766/QĐ-TTg 3.2).

    The dossiers app does it (`DossierHooks.attach_digitised`). Returns the job's link state: "linked", "refused"
    (the dossier said why, shown on the job), or "pending" while no dossiers app is registered or an unexpected
    error occurred (the nightly sweep retries).
    """
    with transaction.atomic():
        # Lock the job row only (the joined document is on the nullable side of an outer join).
        job = (
            DigitisationJob.objects.select_for_update(of=("self",))
            .select_related("output_document__current_version", "created_by")
            .get(pk=job_id)
        )
        if job.dossier_link != DossierLinkState.PENDING or job.status != JobStatus.DONE:
            return job.dossier_link
        document = job.output_document
        hooks = dossier_hooks()
        if hooks is None or document is None or document.current_version is None:
            return job.dossier_link
        try:
            with transaction.atomic():
                dossier_file = hooks.attach_digitised(
                    dossier_id=job.dossier_id,
                    component_id=job.component_id,
                    document=document,
                    version=document.current_version,
                    actor=job.created_by,
                )
        except ApplicationError as exc:
            job.dossier_link = DossierLinkState.REFUSED
            job.dossier_link_message = exc.message[:500]
            message = f"Hồ sơ không nhận tệp số hóa: {exc.message}"
        else:
            job.dossier_link = DossierLinkState.LINKED
            job.dossier_file_id = dossier_file.pk
            job.dossier_link_message = ""
            message = "Đã gắn tệp số hóa vào thành phần hồ sơ (đánh dấu được số hóa)."
        job.save(update_fields=["dossier_link", "dossier_file_id", "dossier_link_message"])
        _job_event(job, JobStatus.DONE, message)
        return job.dossier_link


def digitisation_jobs_link_pending(*, limit: int = 500) -> int:
    """Retry every finished job still waiting to be put into its dossier; returns how many were linked."""
    pending = DigitisationJob.objects.filter(
        status=JobStatus.DONE, dossier_link=DossierLinkState.PENDING
    ).values_list("pk", flat=True)[:limit]
    linked = 0
    for job_id in list(pending):
        try:
            linked += digitisation_job_link_dossier(job_id=job_id) == DossierLinkState.LINKED
        except Exception:  # noqa: BLE001 — one dossier's trouble must not stop the others
            logger.exception("Digitisation job %s: attaching to its dossier failed", job_id)
    return linked


def _job_event(job: DigitisationJob, status: str, message: str = "", actor: User | None = None) -> None:
    DigitisationEvent.objects.create(job=job, status=status, message=message, actor=actor)


def _enqueue_digitisation(job_id: int) -> None:
    from .tasks import QUEUE, digitise_scans

    transaction.on_commit(lambda: digitise_scans.apply_async((job_id,), queue=QUEUE))


@transaction.atomic
def digitisation_job_create(
    *,
    actor: User,
    agency: Agency,
    owner: Owner,
    files: Sequence,
    document_type_code: str,
    document_type_name: str,
    title: str,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    dossier_id: int | None = None,
    component_id: int | None = None,
) -> DigitisationJob:
    """Queue the digitisation of a paper document handed in at the desk (TT 01/2023/TT-VPCP, Điều 5).

    The scans (images or PDFs, in page order) are checked and kept; a Celery job on the "digitisation" queue
    turns them into one PDF with a thumbnail and extracted text and stores it in the owner's Kho.
    """
    if not can_digitise(actor, agency):
        raise NotPermitted("Bạn không có nhiệm vụ số hóa tại cơ quan này.")
    if not files:
        raise ApplicationError("Cần ít nhất một tệp bản quét.", code="no_scans")
    _check_validity(valid_from, valid_to)
    if dossier_id is not None or component_id is not None:
        _check_dossier_component(agency=agency, owner=owner, dossier_id=dossier_id, component_id=component_id)
    checked = [check_upload(f, allowed=processing.SCAN_ALLOWED) for f in files]
    job = DigitisationJob.objects.create(
        agency=agency,
        created_by=actor,
        **_owner_fields(owner),
        document_type_code=document_type_code.strip(),
        document_type_name=document_type_name.strip(),
        title=title.strip(),
        number=number.strip(),
        issuer=issuer.strip(),
        issued_on=issued_on,
        valid_from=valid_from,
        valid_to=valid_to,
        dossier_id=dossier_id,
        component_id=component_id,
        dossier_link=DossierLinkState.PENDING if dossier_id is not None else DossierLinkState.NONE,
        step="Đang chờ xử lý",
    )
    for order, (upload, check) in enumerate(zip(files, checked, strict=True), start=1):
        upload.seek(0)
        item = DigitisationInput(
            job=job,
            order=order,
            original_name=getattr(upload, "name", f"trang-{order}")[:255],
            mime_type=check.mime_type,
            sha256=check.sha256,
            size=check.size,
        )
        item.file.save(getattr(upload, "name", f"trang-{order}.{check.extension}"), upload, save=False)
        item.save()
    _job_event(job, JobStatus.QUEUED, f"{len(files)} tệp bản quét", actor)
    _enqueue_digitisation(job.pk)
    return job


@transaction.atomic
def digitisation_job_retry(*, actor: User, job: DigitisationJob) -> DigitisationJob:
    """An officer runs a failed job again after fixing the cause (e.g. tesseract reinstalled)."""
    job = DigitisationJob.objects.select_for_update().get(pk=job.pk)
    if not can_digitise(actor, job.agency):
        raise NotPermitted("Bạn không có nhiệm vụ số hóa tại cơ quan này.")
    if not job.can_retry():
        raise Conflict("Chỉ chạy lại được việc số hóa đã thất bại.")
    job.status = JobStatus.QUEUED
    job.progress = 0
    job.step = "Đang chờ xử lý lại"
    job.save(update_fields=["status", "progress", "step"])
    _job_event(job, JobStatus.QUEUED, "Cán bộ yêu cầu chạy lại", actor)
    _enqueue_digitisation(job.pk)
    return job


def _job_progress(job_id: int, progress: int, step: str) -> None:
    # Committed at once (outside the job's final transaction) so that the officer's page sees it move.
    DigitisationJob.objects.filter(pk=job_id).update(progress=min(progress, 100), step=step[:200])


@transaction.atomic
def _job_claim(job_id: int) -> DigitisationJob | None:
    job = DigitisationJob.objects.select_for_update().filter(pk=job_id).first()
    # RUNNING is claimable again: with acks_late a job whose worker died is delivered once more.
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RETRYING, JobStatus.RUNNING):
        return None
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.started_at = timezone.now()
    job.step = "Bắt đầu xử lý"
    job.save(update_fields=["status", "attempts", "started_at", "step"])
    _job_event(job, JobStatus.RUNNING, f"Lần chạy thứ {job.attempts}")
    return job


@dataclass
class _Digitised:
    pdf: bytes
    text: str
    text_method: str


def _digitise(job: DigitisationJob) -> _Digitised:
    inputs = list(job.inputs.all())
    parts = []
    for index, item in enumerate(inputs, start=1):
        with item.file.open("rb") as handle:
            parts.append((handle.read(), item.mime_type))
        _job_progress(job.pk, 5 + 20 * index // len(inputs), f"Đã đọc {index}/{len(inputs)} tệp")
    pdf = processing.images_and_pdfs_to_pdf(parts)
    _job_progress(job.pk, 40, "Đã chuyển thành PDF")

    def on_page(done: int, total: int) -> None:
        _job_progress(job.pk, 40 + 50 * done // total, f"Nhận dạng chữ trang {done}/{total}")

    extracted = processing.extract_text(pdf, on_page=on_page)
    _job_progress(job.pk, 92, "Đang lưu vào Kho dữ liệu")
    return _Digitised(pdf=pdf, text=extracted.text, text_method=extracted.method)


@transaction.atomic
def _job_complete(job_id: int, result: _Digitised) -> DigitisationJob:
    import hashlib

    job = DigitisationJob.objects.select_for_update().get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return job
    owner = job.owner
    input_hashes = list(job.inputs.values_list("sha256", flat=True))
    output_hash = hashlib.sha256(result.pdf).hexdigest()
    existing = find_duplicate(owner=owner, sha256s=[output_hash, *input_hashes]) or _same_scans_done(job)
    if existing is not None:
        job.output_document = existing
        job.duplicate = True
        message = f"Trùng giấy tờ đã có trong Kho: “{existing.title}”; không tạo bản mới."
    else:
        document = StoredDocument.objects.create(
            **_owner_fields(owner),
            document_type_code=job.document_type_code,
            document_type_name=job.document_type_name,
            title=job.title,
            number=job.number,
            source=job.source,
            issuer=job.issuer,
            issued_on=job.issued_on,
            valid_from=job.valid_from,
            valid_to=job.valid_to,
            origin_dossier_id=job.dossier_id,
            digitised_by_agency=job.agency,
            created_by=job.created_by,
        )
        _version_create(
            document=document,
            data=result.pdf,
            original_name=f"so-hoa-{job.pk}.pdf",
            mime_type="application/pdf",
            actor=job.created_by,
            extracted_text=result.text,
            text_extraction=result.text_method,
            note=f"Số hóa từ {len(input_hashes)} tệp bản quét",
        )
        _event(
            document, DocumentEventKind.CREATED, job.created_by, source=job.source, digitisation_job=job.pk
        )
        job.output_document = document
        message = "Đã lưu vào Kho dữ liệu."
        if result.text_method == TextExtraction.OCR_UNAVAILABLE:
            message += " Máy chủ chưa cài tesseract nên chưa nhận dạng chữ."
    job.status = JobStatus.DONE
    job.progress = 100
    job.step = "Hoàn thành"
    job.error = ""
    job.finished_at = timezone.now()
    job.save()
    _job_event(job, JobStatus.DONE, message)
    return job


def _same_scans_done(job: DigitisationJob) -> StoredDocument | None:
    """An earlier finished job for the same owner with exactly the same scans."""
    hashes = sorted(job.inputs.values_list("sha256", flat=True))
    owner_filter = (
        Q(owner_user=job.owner_user) if job.owner_user_id else Q(owner_organisation=job.owner_organisation)
    )
    earlier = (
        DigitisationJob.objects.filter(owner_filter, status=JobStatus.DONE, output_document__isnull=False)
        .filter(output_document__deleted_at__isnull=True)
        .exclude(pk=job.pk)
        .prefetch_related("inputs")
    )
    for other in earlier:
        if sorted(i.sha256 for i in other.inputs.all()) == hashes:
            return other.output_document
    return None


@transaction.atomic
def _job_fail(job_id: int, message: str, *, final: bool) -> None:
    job = DigitisationJob.objects.select_for_update().get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return
    job.status = JobStatus.FAILED if final else JobStatus.RETRYING
    job.error = message
    job.step = "Thất bại" if final else "Sẽ tự thử lại"
    if final:
        job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "step", "finished_at"])
    _job_event(job, job.status, message)


def digitisation_job_run(*, job_id: int, final_attempt: bool = True) -> str:
    """Do one attempt of a digitisation job. Returns "done", "failed", "retry" or "skipped" (already finished).

    Unreadable scans fail at once (retrying cannot help); any other error is retried by the task with
    backoff, and the last attempt's error is shown to the officer.
    """
    job = _job_claim(job_id)
    if job is None:
        return "skipped"
    try:
        result = _digitise(job)
        _job_complete(job.pk, result)
    except (processing.ScanUnreadable, ApplicationError) as exc:
        _job_fail(job.pk, str(exc), final=True)
        return "failed"
    except Exception as exc:  # noqa: BLE001 — anything else may be transient (storage, OCR engine)
        logger.exception("Digitisation job %s failed (attempt %s)", job.pk, job.attempts)
        detail = f"{type(exc).__name__}: {exc}"
        if final_attempt:
            _job_fail(job.pk, f"Không xử lý được sau {job.attempts} lần chạy. Lỗi: {detail}", final=True)
            return "failed"
        _job_fail(job.pk, f"Lần chạy thứ {job.attempts} lỗi ({detail}); hệ thống sẽ tự thử lại.", final=False)
        return "retry"
    # The document is safely in the owner's Kho now; putting it into the dossier is a step of its own, so that
    # trouble on the dossier side never undoes the digitisation (the nightly sweep tries again).
    if job.dossier_id is not None:
        try:
            digitisation_job_link_dossier(job_id=job.pk)
        except Exception:  # noqa: BLE001 — left pending, retried by archive_sweep
            logger.exception("Digitisation job %s: attaching to dossier %s failed", job.pk, job.dossier_id)
    return "done"


# --- Back-file digitisation -------------------------------------------------------------------------

BACKFILE_COLUMNS = (
    "tep",
    "so_dinh_danh",
    "ma_loai_giay_to",
    "ten_loai_giay_to",
    "ten_giay_to",
    "so_ky_hieu",
    "co_quan_cap",
    "ngay_cap",
    "hieu_luc_tu",
    "hieu_luc_den",
)
BACKFILE_REQUIRED = ("tep", "so_dinh_danh", "ma_loai_giay_to", "ten_giay_to")


def _read_csv(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("Tệp CSV phải lưu với bảng mã UTF-8.", code="csv_encoding") from exc
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in BACKFILE_REQUIRED if c not in header]
    if missing:
        raise ApplicationError(
            f"Tệp CSV thiếu cột: {', '.join(missing)}. Các cột: {', '.join(BACKFILE_COLUMNS)}.",
            code="csv_columns",
        )
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


@transaction.atomic
def backfile_batch_create(*, actor: User, agency: Agency, archive, metadata) -> BackfileBatch:
    """Queue the import of old, still-valid results: a zip of scans and a CSV row per result (TT 01/2023)."""
    if not can_digitise(actor, agency):
        raise NotPermitted("Bạn không có nhiệm vụ số hóa tại cơ quan này.")
    limit = getattr(settings, "BACKFILE_MAX_BYTES", 200 * 1024 * 1024)
    check_upload(archive, allowed={"application/zip": "zip"}, max_bytes=limit)
    if not metadata or not metadata.size:
        raise ApplicationError("Cần tệp CSV thông tin các kết quả.", code="csv_missing")
    metadata.seek(0)
    rows = _read_csv(metadata.read())
    if not rows:
        raise ApplicationError("Tệp CSV không có dòng dữ liệu nào.", code="csv_empty")
    metadata.seek(0)
    archive.seek(0)
    batch = BackfileBatch(agency=agency, created_by=actor, total_rows=len(rows))
    batch.archive.save(getattr(archive, "name", "ban-quet.zip"), archive, save=False)
    batch.metadata.save(getattr(metadata, "name", "thong-tin.csv"), metadata, save=False)
    batch.save()
    from .tasks import QUEUE, import_backfile

    transaction.on_commit(lambda: import_backfile.apply_async((batch.pk,), queue=QUEUE))
    return batch


def _parse_date(value: str, label: str) -> dt.date | None:
    if not value:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ApplicationError(f"{label} “{value}” không đúng định dạng dd/mm/yyyy.")


def _owner_by_identifier(identifier: str) -> Owner | None:
    digits = identifier.replace("-", "").replace(" ", "")
    if len(digits) == 12:
        return User.objects.filter(cccd=digits).first()
    return Organisation.objects.filter(tax_code__in=[identifier.strip(), digits]).first()


def _zip_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    wanted = name.strip().replace("\\", "/").lower()
    for info in archive.infolist():
        member = info.filename.lower()
        if member == wanted or member.rsplit("/", 1)[-1] == wanted.rsplit("/", 1)[-1]:
            return info
    return None


def _backfile_row(
    batch: BackfileBatch, archive: zipfile.ZipFile, number: int, row: dict[str, str], today: dt.date
) -> None:
    base = {
        "batch": batch,
        "row_number": number,
        "file_name": row.get("tep", "")[:255],
        "owner_identifier": row.get("so_dinh_danh", "")[:20],
        "document_type_code": row.get("ma_loai_giay_to", "")[:60],
        "title": row.get("ten_giay_to", "")[:300],
    }

    def reject(reason: str, status: str = BackfileRowStatus.REJECTED, document=None) -> None:
        BackfileRow.objects.create(**base, status=status, reason=reason[:500], document=document)

    missing = [c for c in BACKFILE_REQUIRED if not row.get(c)]
    if missing:
        return reject(f"Thiếu thông tin: {', '.join(missing)}.")
    try:
        issued_on = _parse_date(row.get("ngay_cap", ""), "Ngày cấp")
        valid_from = _parse_date(row.get("hieu_luc_tu", ""), "Ngày hiệu lực")
        valid_to = _parse_date(row.get("hieu_luc_den", ""), "Ngày hết hiệu lực")
        _check_validity(valid_from, valid_to)
    except ApplicationError as exc:
        return reject(exc.message)
    if valid_to and valid_to < today:
        return reject(
            f"Kết quả đã hết hiệu lực từ sau ngày {valid_to:%d/%m/%Y}; chỉ số hóa kết quả còn hiệu lực."
        )
    owner = _owner_by_identifier(row["so_dinh_danh"])
    if owner is None:
        return reject(f"Không tìm thấy công dân hoặc tổ chức có số định danh {row['so_dinh_danh']}.")
    parts = []
    max_bytes = settings.UPLOAD_MAX_BYTES
    for name in [n for n in row["tep"].split(";") if n.strip()]:
        info = _zip_member(archive, name)
        if info is None:
            return reject(f"Không có tệp “{name.strip()}” trong tệp nén.")
        if info.file_size > max_bytes:
            return reject(f"Tệp “{name.strip()}” vượt quá {max_bytes // 1048576} MB.")
        upload = ContentFile(archive.read(info), name=info.filename.rsplit("/", 1)[-1])
        try:
            checked = check_upload(upload, allowed=processing.SCAN_ALLOWED)
        except ApplicationError as exc:
            return reject(exc.message)
        parts.append((upload.read(), checked.mime_type, sha256_of(upload)))
    try:
        pdf = processing.images_and_pdfs_to_pdf([(data, mime) for data, mime, _ in parts])
    except processing.ScanUnreadable as exc:
        return reject(str(exc))
    import hashlib

    hashes = [h for _, _, h in parts] + [hashlib.sha256(pdf).hexdigest()]
    existing = find_duplicate(owner=owner, sha256s=hashes)
    if existing:
        return reject(
            f"Đã có trong Kho của chủ sở hữu: “{existing.title}”.", BackfileRowStatus.DUPLICATE, existing
        )
    extracted = processing.extract_text(pdf)
    document = StoredDocument.objects.create(
        **_owner_fields(owner),
        document_type_code=row["ma_loai_giay_to"],
        document_type_name=row.get("ten_loai_giay_to") or row["ten_giay_to"],
        title=row["ten_giay_to"],
        number=row.get("so_ky_hieu", ""),
        source=DocumentSource.BACKFILE,
        issuer=row.get("co_quan_cap", ""),
        issued_on=issued_on,
        valid_from=valid_from or issued_on,
        valid_to=valid_to,
        digitised_by_agency=batch.agency,
        created_by=batch.created_by,
    )
    _version_create(
        document=document,
        data=pdf,
        original_name=f"so-hoa-lo-{batch.pk}-dong-{number}.pdf",
        mime_type="application/pdf",
        actor=batch.created_by,
        extracted_text=extracted.text,
        text_extraction=extracted.method,
        note=f"Số hóa theo lô #{batch.pk}",
    )
    _event(
        document, DocumentEventKind.CREATED, batch.created_by, source=DocumentSource.BACKFILE, batch=batch.pk
    )
    BackfileRow.objects.create(**base, status=BackfileRowStatus.MATCHED, document=document)


def backfile_batch_run(*, batch_id: int, final_attempt: bool = True) -> str:
    """Import every CSV row of a batch, each in its own transaction; rows already done are skipped on a rerun.

    Returns "done", "failed", "retry" or "skipped", like `digitisation_job_run`.
    """
    with transaction.atomic():
        batch = BackfileBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status in (JobStatus.DONE, JobStatus.FAILED):
            return "skipped"
        # Claimable while queued, retrying, or running (a worker that died leaves it running; acks_late).
        batch.status = JobStatus.RUNNING
        batch.attempts += 1
        batch.save(update_fields=["status", "attempts"])
    try:
        with batch.metadata.open("rb") as handle:
            rows = _read_csv(handle.read())
        done = set(batch.rows.values_list("row_number", flat=True))
        today = timezone.localdate()
        with batch.archive.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
            for number, row in enumerate(rows, start=2):  # row 1 is the header, as a spreadsheet shows it
                if number in done:
                    continue
                with transaction.atomic():
                    _backfile_row(batch, archive, number, row, today)
                BackfileBatch.objects.filter(pk=batch.pk).update(
                    progress=min(99, 100 * (number - 1) // len(rows))
                )
    except (ApplicationError, zipfile.BadZipFile) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else "Tệp nén bị hỏng."
        BackfileBatch.objects.filter(pk=batch.pk).update(
            status=JobStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return "failed"
    except Exception as exc:  # noqa: BLE001 — storage or OCR trouble may pass; rows done so far are kept
        logger.exception("Back-file batch %s failed (attempt %s)", batch.pk, batch.attempts)
        detail = f"{type(exc).__name__}: {exc}"
        if final_attempt:
            BackfileBatch.objects.filter(pk=batch.pk).update(
                status=JobStatus.FAILED,
                error=f"Dừng sau {batch.attempts} lần chạy. Lỗi: {detail}",
                finished_at=timezone.now(),
            )
            return "failed"
        BackfileBatch.objects.filter(pk=batch.pk).update(
            status=JobStatus.RETRYING, error=f"Lần chạy thứ {batch.attempts} lỗi ({detail}); sẽ tự thử lại."
        )
        return "retry"
    counts = {status: batch.rows.filter(status=status).count() for status in BackfileRowStatus.values}
    BackfileBatch.objects.filter(pk=batch.pk).update(
        status=JobStatus.DONE,
        progress=100,
        error="",
        matched_count=counts[BackfileRowStatus.MATCHED],
        rejected_count=counts[BackfileRowStatus.REJECTED],
        duplicate_count=counts[BackfileRowStatus.DUPLICATE],
        finished_at=timezone.now(),
    )
    return "done"
