"""Digital signatures on results: key material, PAdES signing and verification.

An electronic result (kết quả điện tử, DOMAIN §4.6) is a PDF signed by the competent agency with a PAdES
signature (ETSI EN 319 142, baseline B-B; B-T when `SIGNING_TSA_URL` names a time-stamping authority) that
embeds the signer's certificate chain, and carries a QR code to the public verification page.

Key material lives in `PKI_DIR` (default `MEDIA_ROOT/pki`), never in the database or the repository:

    PKI_DIR/ca/ca.pem, ca.key            development certificate authority (create_signing_certificates)
    PKI_DIR/trust/*.pem                  further trusted roots, e.g. the government CA in production
    PKI_DIR/agencies/<code>/<serial>.key per-agency private keys (encrypted PKCS#8 PEM, or `.p12` when imported),
                                         locked with SIGNING_KEY_PASSPHRASE; the certificates are SigningCertificate
                                         rows. A key on a PKCS#11 token is named `pkcs11:object=<label>` instead.

Signing goes through `repository.keystore.signer_for(certificate)`, which opens whichever key store holds the key.

In production each agency's certificate is issued by a real CA and imported (`create_signing_certificates
--import-p12`); the development CA only exists so that a laptop can sign and verify end to end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import io
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils import timezone

from . import keystore
from .constants import VerificationStatus

# fontTools reports every subsetting step at INFO when the stamp font is embedded.
logging.getLogger("fontTools").setLevel(logging.WARNING)

if TYPE_CHECKING:
    from portal.models import Agency

    from .models import SigningCertificate, StoredDocument

CA_COMMON_NAME = "CA thử nghiệm - Hệ thống giải quyết TTHC tỉnh"
SIGNATURE_FIELD = "ChuKyCoQuan"
KEY_SIZE = 2048
STAMP_FONT_SIZE = 7
# Noto Sans (Debian's fonts-noto-core) covers every Vietnamese glyph and shapes cleanly in the stamp.
STAMP_FONTS = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",)


def _outside_event_loop(function):
    """pyHanko's synchronous API runs its own event loop; give it a thread when this one already has one
    (an async caller, or a browser test driving Playwright from the same thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def pki_dir() -> Path:
    configured = getattr(settings, "PKI_DIR", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "pki"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


# --- Development certificate authority ------------------------------------------------------------


def ca_paths() -> tuple[Path, Path]:
    base = pki_dir() / "ca"
    return base / "ca.pem", base / "ca.key"


def ca_ensure() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Load the development CA, creating it (ten years) on first use."""
    cert_path, key_path = ca_paths()
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return cert, keystore.private_key_load(key_path)
    key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Môi trường phát triển - không dùng thật"),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ]
    )
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    keystore.key_write_pem(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    key_path: Path | str  # a file in PKI_DIR, or `pkcs11:object=<label>` for a key on a token

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "x")


def agency_certificate_generate(
    agency: Agency, *, not_before: dt.datetime | None = None, valid_days: int = 730
) -> IssuedCertificate:
    """A signing certificate for `agency` from the development CA; the key is written to PKI_DIR."""
    ca_cert, ca_key = ca_ensure()
    key = _new_key()
    not_before = not_before or timezone.now() - dt.timedelta(minutes=5)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency.code),
            x509.NameAttribute(NameOID.COMMON_NAME, agency.name[:64]),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_path = pki_dir() / "agencies" / agency.code / f"{format(cert.serial_number, 'x')}.key"
    keystore.key_write_pem(key_path, key)
    return IssuedCertificate(certificate=cert, key_path=key_path)


def agency_certificate_import_p12(
    agency: Agency, *, data: bytes, passphrase: bytes | None
) -> tuple[IssuedCertificate, list[x509.Certificate]]:
    """Take an agency certificate issued by a real CA (PKCS#12); returns it and the chain it carried.

    The key is kept as PKCS#12 under SIGNING_KEY_PASSPHRASE (plain PEM only where none is set, in development).
    """
    key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
    if key is None or cert is None:
        raise ValueError("Tệp PKCS#12 không có khóa bí mật hoặc chứng thư.")
    stem = pki_dir() / "agencies" / agency.code / format(cert.serial_number, "x")
    key_path = keystore.key_write_pkcs12(stem, key, cert, chain or [])
    return IssuedCertificate(certificate=cert, key_path=key_path), list(chain or [])


def trusted_roots_pem() -> list[bytes]:
    """Every root this installation trusts: the development CA (when present) and PKI_DIR/trust/*.pem."""
    roots = []
    cert_path, _ = ca_paths()
    if cert_path.exists():
        roots.append(cert_path.read_bytes())
    trust = pki_dir() / "trust"
    if trust.is_dir():
        roots.extend(p.read_bytes() for p in sorted(trust.glob("*.pem")))
    return roots


def chain_pem() -> list[bytes]:
    """Intermediate and root certificates embedded next to the signer's certificate in each signature."""
    chain = []
    intermediates = pki_dir() / "chain"
    if intermediates.is_dir():
        chain.extend(p.read_bytes() for p in sorted(intermediates.glob("*.pem")))
    return chain + trusted_roots_pem()


# --- Signing ------------------------------------------------------------------------------------------


def _asn1_cert(pem: bytes):
    from asn1crypto import pem as asn1_pem
    from asn1crypto import x509 as asn1_x509

    if asn1_pem.detect(pem):
        _, _, der = asn1_pem.unarmor(pem)
    else:
        der = pem
    return asn1_x509.Certificate.load(der)


def _stamp_font():
    """A font with every Vietnamese glyph for the visible signature; None falls back to plain ASCII."""
    candidates = [getattr(settings, "SIGNING_FONT", ""), *STAMP_FONTS]
    path = next((p for p in candidates if p and Path(p).exists()), None)
    if path is None:
        return None
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return GlyphAccumulatorFactory(path, font_size=STAMP_FONT_SIZE)


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _stamp_box(pdf: bytes) -> tuple[int, int, int, int]:
    """Bottom right of the last page, where result templates leave room for the signature."""
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf)).pages[-1].mediabox
    width, height, margin = 300, 80, 28
    right = int(float(box.right) - margin)
    left = max(int(float(box.left) + margin), right - width)
    bottom = int(float(box.bottom) + margin)
    return (left, bottom, right, bottom + height)


def sign_pdf(
    pdf: bytes,
    *,
    certificate: SigningCertificate,
    verification_url: str,
    signer_name: str,
    reason: str,
    location: str = "",
    signed_at: dt.datetime | None = None,
    verification_page: str = "",
    verification_code: str = "",
) -> bytes:
    """PAdES-sign `pdf` with the agency certificate, drawing a QR code to `verification_url` on the last page.

    Under the QR code the stamp prints the verification page and a code to type there, for paper copies.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import QRStampStyle

    signed_at = signed_at or timezone.now()
    local_time = timezone.localtime(signed_at)
    lines = [f"Ký bởi: {signer_name}", f"Thời gian ký: {local_time:%d/%m/%Y %H:%M}"]
    if verification_page and verification_code:
        lines += ["Xác thực: quét mã QR hoặc vào", verification_page, f"Mã xác thực: {verification_code}"]
    else:
        lines += ["Xác thực: quét mã QR"]
    text = "\n".join(lines)
    font = _stamp_font()
    if font is None:
        text = _ascii(text)
    text_box = (
        TextBoxStyle(font=font, font_size=STAMP_FONT_SIZE)
        if font
        else TextBoxStyle(font_size=STAMP_FONT_SIZE)
    )
    style_kwargs = {"text_box_style": text_box}
    stamp_style = QRStampStyle(stamp_text=text.replace("%", "%%"), border_width=1, **style_kwargs)

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    last_page = int(writer.root["/Pages"]["/Count"]) - 1
    box = _stamp_box(pdf)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=location or None,
        name=signer_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    chain = [_asn1_cert(pem) for pem in chain_pem()]
    with keystore.signer_for(certificate).open(certificate=certificate, chain=chain) as signer:
        pdf_signer = signers.PdfSigner(
            metadata,
            signer=signer,
            timestamper=result_timestamper(),
            stamp_style=stamp_style,
            new_field_spec=fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD, on_page=last_page, box=box),
        )
        output = _outside_event_loop(
            lambda: pdf_signer.sign_pdf(writer, appearance_text_params={"url": verification_url})
        )
    return output.getvalue()


def result_timestamper():
    """The RFC 3161 time-stamping authority of `SIGNING_TSA_URL` (PAdES B-T), or None for B-B signatures.

    The token proves the signature existed at that time, so a result stays verifiable after the agency's
    certificate expires or is revoked.
    """
    url = getattr(settings, "SIGNING_TSA_URL", "")
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=getattr(settings, "SIGNING_TSA_TIMEOUT_SECONDS", 10))


# --- Verification -------------------------------------------------------------------------------------


@dataclass
class VerificationResult:
    status: str
    message: str
    signer: str = ""
    signer_certificate_serial: str = ""
    signed_at: dt.datetime | None = None
    document: StoredDocument | None = None
    details: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.status == VerificationStatus.VALID

    @property
    def label(self) -> str:
        return str(VerificationStatus(self.status).label)


MESSAGES = {
    VerificationStatus.VALID: "Chữ ký số hợp lệ; văn bản còn nguyên vẹn kể từ khi ký.",
    VerificationStatus.TAMPERED: "Văn bản đã bị sửa đổi sau khi ký; không được sử dụng bản này.",
    VerificationStatus.UNKNOWN_SIGNER: "Chữ ký không do một cơ quan được hệ thống tin cậy cấp.",
    VerificationStatus.REVOKED: "Văn bản hoặc chứng thư ký số đã bị thu hồi.",
    VerificationStatus.EXPIRED: "Văn bản hoặc chứng thư ký số đã hết hiệu lực.",
    VerificationStatus.UNSIGNED: "Tệp không có chữ ký số.",
}


def _result(status: str, **kwargs) -> VerificationResult:
    message = kwargs.pop("message", None) or MESSAGES[VerificationStatus(status)]
    return VerificationResult(status=status, message=message, **kwargs)


def signed_revision_sha256(data: bytes, embedded_sig) -> str:
    """Checksum of the file as it was when signed: everything up to the end of the signed byte range.

    A stored result is found from any later copy of it, even one with permitted incremental updates.
    """
    byte_range = embedded_sig.sig_object["/ByteRange"]
    end = int(byte_range[2]) + int(byte_range[3])
    return hashlib.sha256(data[:end]).hexdigest()


def signature_summary(data: bytes) -> dict:
    """What the store keeps in DocumentVersion.signature_info for a signed PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 — any unreadable PDF simply has no signature information
        return {}
    if not signatures:
        return {}
    signatures_info = []
    for sig in signatures:
        cert = sig.signer_cert
        signed = sig.self_reported_timestamp
        signatures_info.append(
            {
                "field": sig.field_name,
                "signer": cert.subject.native.get("common_name", ""),
                "issuer": cert.issuer.native.get("common_name", ""),
                "serial": format(cert.serial_number, "x"),
                "signed_at": signed.isoformat() if signed else None,
            }
        )
    return {"signed": True, "signatures": signatures_info}


def verify_signed_pdf(data: bytes) -> VerificationResult:
    """Check the last signature of a PDF: integrity, trust, certificate state and the stored document's state.

    valid / tampered / unknown signer / revoked / expired (NĐ 23/2025/NĐ-CP on electronic signatures; the
    document's own validity and revocation come from the Kho dữ liệu record it belongs to).
    """
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    from .models import DocumentVersion, SigningCertificate

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        return _result(
            VerificationStatus.UNSIGNED, message="Tệp không phải PDF đọc được.", details=[str(exc)]
        )
    if not signatures:
        return _result(VerificationStatus.UNSIGNED)
    embedded = signatures[-1]
    try:
        signer_cert = embedded.signer_cert
        signer = signer_cert.subject.native.get("common_name", "")
        serial = format(signer_cert.serial_number, "x")
        claimed_time = embedded.self_reported_timestamp
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        # The signature blob itself was altered: its certificate no longer matches what was signed.
        return _result(VerificationStatus.TAMPERED, details=[str(exc)])
    common = {"signer": signer, "signer_certificate_serial": serial, "signed_at": claimed_time}

    version = (
        DocumentVersion.objects.select_related("document")
        .filter(sha256=signed_revision_sha256(data, embedded))
        .first()
    )
    document = version.document if version else None
    # The moment the certificate must have been valid: when our own record says the result was signed,
    # otherwise now (a B-B signature without a trusted time-stamp proves no earlier time).
    moment = version.created_at if version else timezone.now()
    roots = [_asn1_cert(pem) for pem in trusted_roots_pem()]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment
    )
    try:
        status = _outside_event_loop(lambda: validate_pdf_signature(embedded, context))
    except (SignatureValidationError, ValueError) as exc:
        return _result(VerificationStatus.TAMPERED, details=[str(exc)], document=document, **common)

    from pyhanko.sign.validation.status import ModificationLevel

    if not status.intact or not status.valid:
        return _result(VerificationStatus.TAMPERED, document=document, **common)
    if status.modification_level not in (None, ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return _result(
            VerificationStatus.TAMPERED,
            message="Văn bản đã bị thêm nội dung sau khi ký; không được sử dụng bản này.",
            document=document,
            **common,
        )
    if not roots or not status.trusted:
        indication = getattr(status.trust_problem_indic, "name", "")
        if indication in ("EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"):
            return _result(VerificationStatus.EXPIRED, document=document, **common)
        if indication == "REVOKED":
            return _result(VerificationStatus.REVOKED, document=document, **common)
        return _result(VerificationStatus.UNKNOWN_SIGNER, document=document, **common)

    fingerprint = hashlib.sha256(signer_cert.dump()).hexdigest()
    registered = SigningCertificate.objects.filter(fingerprint_sha256=fingerprint).first()
    if registered is not None and registered.revoked_at is not None and registered.revoked_at <= moment:
        return _result(
            VerificationStatus.REVOKED,
            message=f"Chứng thư ký số đã bị thu hồi từ {timezone.localtime(registered.revoked_at):%d/%m/%Y %H:%M}.",
            document=document,
            **common,
        )
    if document is not None:
        today = timezone.localdate()
        if document.revoked_at is not None:
            reason = f" Lý do: {document.revoked_reason}" if document.revoked_reason else ""
            return _result(
                VerificationStatus.REVOKED,
                message=(
                    f"Văn bản đã bị thu hồi ngày {timezone.localtime(document.revoked_at):%d/%m/%Y}.{reason}"
                ),
                document=document,
                **common,
            )
        if document.valid_to and document.valid_to < today:
            return _result(
                VerificationStatus.EXPIRED,
                message=f"Văn bản hết hiệu lực từ sau ngày {document.valid_to:%d/%m/%Y}.",
                document=document,
                **common,
            )
    return _result(VerificationStatus.VALID, document=document, **common)
