"""Where the agencies' private signing keys live, and the one interface that signs with them.

A result is signed through a `Signer`: it opens the key of one `SigningCertificate` and hands pyHanko a signer
for the time of one signature. Two implementations:

- `KeyFileSigner`: a key file in PKI_DIR. In production the file is encrypted — a PKCS#12 archive (`.p12`,
  what an imported certificate is kept as) or an encrypted PKCS#8 PEM (what `create_signing_certificates` writes)
  — and the passphrase comes from the environment (`SIGNING_KEY_PASSPHRASE`), never from the disk next to it.
  A plain PEM key is accepted for development only; `check --deploy` refuses it (repository.checks).
- `Pkcs11Signer`: the key never leaves a hardware security module or token (`SIGNING_PKCS11_MODULE`); the
  certificate row names the key on the token as `pkcs11:object=<label>`. Needs the optional `python-pkcs11`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings

from portal.errors import ApplicationError

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer as PyHankoSigner

    from .models import SigningCertificate

PKCS11_PREFIX = "pkcs11:object="
PKCS12_SUFFIX = ".p12"


class SigningKeyError(ApplicationError):
    """The agency's private key cannot be used: missing, locked with another passphrase, or its token is absent."""

    code = "signing_key_unavailable"


def key_passphrase() -> bytes | None:
    """The passphrase of the key files, from the environment (`SIGNING_KEY_PASSPHRASE`); None when unset."""
    value = getattr(settings, "SIGNING_KEY_PASSPHRASE", "")
    return value.encode() if value else None


def _encryption() -> serialization.KeySerializationEncryption:
    passphrase = key_passphrase()
    return serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def key_write_pem(path: Path, key) -> Path:
    """Write a private key as PKCS#8 PEM, encrypted with `SIGNING_KEY_PASSPHRASE` when it is set."""
    _write_private(
        path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _encryption())
    )
    return path


def key_write_pkcs12(
    path: Path, key, certificate: x509.Certificate, chain: Iterable[x509.Certificate] = ()
) -> Path:
    """Keep an imported key with its certificate and chain as PKCS#12, under `SIGNING_KEY_PASSPHRASE`.

    The archive is re-encrypted with the installation's passphrase: the one the CA chose for the handover is
    typed once at import and not kept.
    """
    if key_passphrase() is None:
        return key_write_pem(path.with_suffix(".key"), key)
    name = certificate.subject.rfc4514_string().encode()[:64]
    data = pkcs12.serialize_key_and_certificates(name, key, certificate, list(chain) or None, _encryption())
    _write_private(path.with_suffix(PKCS12_SUFFIX), data)
    return path.with_suffix(PKCS12_SUFFIX)


def _is_pem(data: bytes) -> bool:
    return data.lstrip().startswith(b"-----BEGIN")


def is_plain_key(data: bytes) -> bool:
    """A PEM private key anyone who reads the file can use (no passphrase)."""
    if not _is_pem(data):
        return False
    return b"ENCRYPTED" not in data.split(b"-----END", 1)[0]


def private_key_load(path: Path | str):
    """The private key of a key file (plain or encrypted PEM, or PKCS#12), opened with the configured passphrase."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"Không đọc được tệp khóa ký {path.name}: {exc.strerror}.") from exc
    passphrase = key_passphrase()
    locked = f"Không mở được khóa ký {path.name}: mật khẩu (SIGNING_KEY_PASSPHRASE) {{}}."
    if _is_pem(data) and is_plain_key(data):
        return serialization.load_pem_private_key(data, password=None)
    if passphrase is None:
        raise SigningKeyError(locked.format("chưa được cấu hình"))
    try:
        if _is_pem(data):
            return serialization.load_pem_private_key(data, password=passphrase)
        key, _, _ = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(locked.format("không đúng")) from exc
    if key is None:
        raise SigningKeyError(f"Tệp {path.name} không chứa khóa bí mật.")
    return key


class Signer(Protocol):
    """Signs with the private key of one certificate; `open` gives pyHanko a signer for one signature."""

    def open(self, *, certificate: SigningCertificate, chain: list) -> contextlib.AbstractContextManager:
        """A context yielding a `pyhanko.sign.signers.Signer`; `chain` holds asn1crypto certificates to embed."""
        ...


class KeyFileSigner:
    """A key file in PKI_DIR: PKCS#12 or PEM, encrypted with `SIGNING_KEY_PASSPHRASE` in production."""

    @contextlib.contextmanager
    def open(self, *, certificate: SigningCertificate, chain: list) -> Iterator[PyHankoSigner]:
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = private_key_load(certificate.key_path)
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        pem = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
        yield signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(pem.public_bytes(serialization.Encoding.DER)),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )


class Pkcs11Signer:
    """A key on a PKCS#11 token or HSM (`SIGNING_PKCS11_MODULE`, `SIGNING_PKCS11_TOKEN_LABEL`, `SIGNING_PKCS11_PIN`);
    the certificate comes from our record, the key is found on the token by its label."""

    def __init__(self, *, module: str, token_label: str, pin: str):
        self.module, self.token_label, self.pin = module, token_label, pin

    @staticmethod
    def key_label(certificate: SigningCertificate) -> str:
        return certificate.key_path.removeprefix(PKCS11_PREFIX)

    def config(self, *, certificate: SigningCertificate, chain: list):
        from asn1crypto import x509 as asn1_x509
        from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria

        pem = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
        return PKCS11SignatureConfig(
            module_path=self.module,
            token_criteria=TokenCriteria(label=self.token_label) if self.token_label else None,
            key_label=self.key_label(certificate),
            signing_certificate=asn1_x509.Certificate.load(pem.public_bytes(serialization.Encoding.DER)),
            other_certs=chain,
            user_pin=self.pin or None,
        )

    @contextlib.contextmanager
    def open(self, *, certificate: SigningCertificate, chain: list) -> Iterator[PyHankoSigner]:
        try:
            from pyhanko.sign.pkcs11 import PKCS11SigningContext
        except ImportError as exc:
            raise SigningKeyError(
                "Khóa ký nằm trên thiết bị PKCS#11 nhưng máy chủ chưa cài thư viện python-pkcs11 "
                "(pip install 'pyHanko[pkcs11]')."
            ) from exc
        from pyhanko.sign.general import SigningError

        with contextlib.ExitStack() as stack:
            try:
                signer = stack.enter_context(
                    PKCS11SigningContext(self.config(certificate=certificate, chain=chain))
                )
            except SigningError as exc:
                raise SigningKeyError(f"Thiết bị ký PKCS#11 không sẵn sàng: {exc}") from exc
            yield signer


def signer_for(certificate: SigningCertificate) -> Signer:
    """The signer that holds this certificate's key: a PKCS#11 token when its key is named `pkcs11:…`."""
    if certificate.key_path.startswith(PKCS11_PREFIX):
        module = getattr(settings, "SIGNING_PKCS11_MODULE", "")
        if not module:
            raise SigningKeyError(
                "Khóa ký của chứng thư nằm trên thiết bị PKCS#11 nhưng SIGNING_PKCS11_MODULE chưa được cấu hình."
            )
        return Pkcs11Signer(
            module=module,
            token_label=getattr(settings, "SIGNING_PKCS11_TOKEN_LABEL", ""),
            pin=getattr(settings, "SIGNING_PKCS11_PIN", ""),
        )
    return KeyFileSigner()
