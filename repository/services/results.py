"""Signed results (NĐ 23/2025/NĐ-CP on electronic signatures): the agencies' signing certificates and a result
signed with one and stored in the holder's Kho, with its verification link and code."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, NotPermitted
from portal.models import Agency, User

from .. import keystore, signing, verification_codes
from ..constants import (
    DocumentEventKind,
    DocumentSource,
)
from ..models import (
    SigningCertificate,
    StoredDocument,
)
from .documents import Owner, _check_validity, _event, _owner_fields, _version_create


def verification_url(document: StoredDocument) -> str:
    path = reverse("repository:verify_link", args=[document.pk, document.verification_token])
    return f"{settings.SITE_URL}{path}"


def verification_code(document: StoredDocument) -> str:
    """What a person types on the verification page when they hold a paper copy: `K7QM-X4PA-R9TC`."""
    if document.verification_code:
        return verification_codes.grouped(document.verification_code)
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
def signing_certificate_register_pkcs11(
    *, agency: Agency, certificate_pem: bytes, key_label: str
) -> SigningCertificate:
    """An agency certificate whose private key stays on a PKCS#11 token or HSM, where it is found by its label."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(certificate_pem)
    except ValueError as exc:
        raise ApplicationError("Tệp chứng thư phải là một chứng thư X.509 dạng PEM.") from exc
    if not key_label.strip():
        raise ApplicationError("Cần nhãn của khóa bí mật trên thiết bị PKCS#11.")
    issued = signing.IssuedCertificate(
        certificate=cert, key_path=f"{keystore.PKCS11_PREFIX}{key_label.strip()}"
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


@transaction.atomic
def receipt_store(
    *,
    owner: Owner,
    agency: Agency,
    pdf: bytes,
    title: str,
    number: str,
    issued_on: dt.date,
    dossier_id: int | None = None,
    filename: str = "bien-lai.pdf",
) -> StoredDocument:
    """Put an electronic fee receipt issued by `agency` into the payer's Kho (NĐ 45/2020/NĐ-CP Điều 16: what
    agencies issue electronically to a person is kept in the person's store). The receipt carries its own
    verification QR code; it is a record of the State, so the holder cannot delete it."""
    if not pdf.startswith(b"%PDF"):
        raise ApplicationError("Biên lai phải là tệp PDF.", code="receipt_not_pdf")
    document = StoredDocument.objects.create(
        **_owner_fields(owner),
        document_type_code="BIEN_LAI_PHI",
        document_type_name="Biên lai thu phí, lệ phí",
        title=title,
        number=number,
        source=DocumentSource.PAYMENT_RECEIPT,
        issuer=agency.name,
        issuing_agency=agency,
        issued_on=issued_on,
        valid_from=issued_on,
        origin_dossier_id=dossier_id,
        consent_to_reuse=False,
        created_by=None,
    )
    version = _version_create(
        document=document, data=pdf, original_name=filename, mime_type="application/pdf", actor=None
    )
    _event(
        document,
        DocumentEventKind.CREATED,
        None,
        source=DocumentSource.PAYMENT_RECEIPT,
        sha256=version.sha256,
    )
    return document
