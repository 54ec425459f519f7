"""Where signing keys live: encrypted key files under a passphrase from the environment, PKCS#11 tokens, the
deploy check that refuses plain keys, and time-stamped (PAdES B-T) results."""

import asyncio
import datetime as dt
import http.server
import io
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.checks import run_checks
from django.core.management import call_command
from django.utils import timezone

from repository import keystore, services, signing
from repository.models import SigningCertificate, StoredDocument

from .conftest import text_pdf

PASSPHRASE = "mat-khau-kho-khoa-2026"


def _issue(approver, agency, citizen):
    return services.result_issue(
        actor=approver,
        agency=agency,
        owner=citizen,
        pdf=text_pdf("GIẤY PHÉP XÂY DỰNG"),
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép xây dựng",
    )


def _bytes(document) -> bytes:
    with document.current_version.file.open("rb") as handle:
        return handle.read()


def _p12_from_a_ca(other_agency, tmp_path, passphrase: bytes) -> bytes:
    """A PKCS#12 file as a certificate authority hands it over (the development CA stands in for it)."""
    issued = signing.agency_certificate_generate(other_agency)
    key = keystore.private_key_load(issued.key_path)
    ca_cert, _ = signing.ca_ensure()
    return pkcs12.serialize_key_and_certificates(
        b"sxd", key, issued.certificate, [ca_cert], serialization.BestAvailableEncryption(passphrase)
    )


def test_an_imported_certificate_is_kept_as_encrypted_pkcs12_and_signs(
    settings, pki, agency, other_agency, approver, citizen, tmp_path
):
    # given the installation's passphrase in the environment and a PKCS#12 file from the CA
    settings.SIGNING_KEY_PASSPHRASE = PASSPHRASE
    p12 = _p12_from_a_ca(other_agency, tmp_path, b"mat-khau-cua-ca")

    # when the administrator imports it for the agency
    certificate = services.signing_certificate_import(agency=agency, p12=p12, passphrase=b"mat-khau-cua-ca")

    # then the key is a PKCS#12 archive locked with the installation's passphrase, not the CA's
    stored = Path(certificate.key_path).read_bytes()
    assert certificate.key_path.endswith(".p12")
    assert not keystore.is_plain_key(stored)
    pkcs12.load_key_and_certificates(stored, PASSPHRASE.encode())
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(stored, b"mat-khau-cua-ca")
    # and a result signed with it verifies
    document = _issue(approver, agency, citizen)
    assert signing.verify_signed_pdf(_bytes(document)).is_valid


def test_generated_keys_are_encrypted_pem_when_a_passphrase_is_set(settings, pki, agency, approver, citizen):
    settings.SIGNING_KEY_PASSPHRASE = PASSPHRASE

    certificate = services.signing_certificate_issue(agency=agency)

    for path in (certificate.key_path, pki / "ca" / "ca.key"):
        data = Path(path).read_bytes()
        assert b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data
        assert not keystore.is_plain_key(data)
    assert signing.verify_signed_pdf(_bytes(_issue(approver, agency, citizen))).is_valid


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [
        ("sai-mat-khau", "mật khẩu (SIGNING_KEY_PASSPHRASE) không đúng"),
        ("", "mật khẩu (SIGNING_KEY_PASSPHRASE) chưa được cấu hình"),
    ],
)
@pytest.mark.parametrize("store", ["pkcs12", "pem"])
def test_a_wrong_or_missing_passphrase_refuses_to_sign_with_a_clear_message(
    settings, pki, agency, other_agency, approver, citizen, tmp_path, store, passphrase, message
):
    # given a key locked with the installation's passphrase
    settings.SIGNING_KEY_PASSPHRASE = PASSPHRASE
    if store == "pkcs12":
        p12 = _p12_from_a_ca(other_agency, tmp_path, b"ca")
        services.signing_certificate_import(agency=agency, p12=p12, passphrase=b"ca")
    else:
        services.signing_certificate_issue(agency=agency)

    # when the environment carries another passphrase (or none) and a leader signs a result
    settings.SIGNING_KEY_PASSPHRASE = passphrase
    with pytest.raises(keystore.SigningKeyError) as error:
        _issue(approver, agency, citizen)

    # then signing is refused with a message naming the setting, and no result is stored
    assert message in error.value.message
    assert error.value.code == "signing_key_unavailable"
    assert not StoredDocument.objects.filter(owner_user=citizen).exists()


def _deploy_errors():
    return {
        message.id for message in run_checks(include_deployment_checks=True) if message.id.startswith("repo")
    }


def test_the_deploy_check_refuses_a_plain_pem_key(settings, pki, agency):
    # given a key written without a passphrase (the development default)
    settings.SIGNING_KEY_PASSPHRASE = ""
    certificate = services.signing_certificate_issue(agency=agency)
    assert keystore.is_plain_key(Path(certificate.key_path).read_bytes())

    # then `check --deploy` fails and names the file, while the ordinary checks are silent
    assert "repository.E001" in _deploy_errors()
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "repository.E001"]
    assert certificate.key_path in messages[0].msg
    assert "SIGNING_KEY_PASSPHRASE" in messages[0].hint
    assert not [m for m in run_checks() if m.id.startswith("repository.")]
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="repository.E001"):
        call_command("check", deploy=True, stdout=io.StringIO(), stderr=io.StringIO())


def test_the_deploy_check_passes_encrypted_keys_and_wants_their_passphrase(settings, pki, agency):
    settings.SIGNING_KEY_PASSPHRASE = PASSPHRASE
    services.signing_certificate_issue(agency=agency)
    assert _deploy_errors() == set()

    settings.SIGNING_KEY_PASSPHRASE = ""
    assert _deploy_errors() == {"repository.E002"}


# --- Keys on a PKCS#11 token -------------------------------------------------------------------------------


@pytest.fixture
def token_certificate(pki, agency, tmp_path):
    issued = signing.agency_certificate_generate(agency)
    path = tmp_path / "sxd.pem"
    path.write_text(issued.pem)
    call_command(
        "create_signing_certificates",
        agency=[agency.code],
        pkcs11_key="khoa-sxd",
        certificate=str(path),
        stdout=io.StringIO(),
    )
    return SigningCertificate.objects.get(agency=agency)


def test_a_certificate_with_its_key_on_a_token_is_signed_through_pkcs11(settings, token_certificate):
    settings.SIGNING_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
    settings.SIGNING_PKCS11_TOKEN_LABEL = "So Xay dung"
    settings.SIGNING_PKCS11_PIN = "123456"

    signer = keystore.signer_for(token_certificate)

    assert token_certificate.key_path == "pkcs11:object=khoa-sxd"
    assert isinstance(signer, keystore.Pkcs11Signer)
    config = signer.config(certificate=token_certificate, chain=[])
    assert config.module_path == "/usr/lib/softhsm/libsofthsm2.so"
    assert config.key_label == "khoa-sxd" and config.user_pin == "123456"
    assert config.token_criteria.label == "So Xay dung"
    assert format(config.signing_certificate.serial_number, "x") == token_certificate.serial_number


def test_a_token_key_without_a_configured_module_is_refused(settings, token_certificate):
    settings.SIGNING_PKCS11_MODULE = ""
    with pytest.raises(keystore.SigningKeyError, match="SIGNING_PKCS11_MODULE"):
        keystore.signer_for(token_certificate)


def test_a_token_key_without_python_pkcs11_says_what_to_install(settings, token_certificate):
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("python-pkcs11 is installed here: the token itself answers")
    settings.SIGNING_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"

    signer = keystore.signer_for(token_certificate)
    with (
        pytest.raises(keystore.SigningKeyError, match=r"pyHanko\[pkcs11\]"),
        signer.open(certificate=token_certificate, chain=[]),
    ):
        pass


def test_key_files_are_signed_with_the_file_signer(certificate):
    assert isinstance(keystore.signer_for(certificate), keystore.KeyFileSigner)


# --- Time-stamped results (PAdES B-T) ----------------------------------------------------------------------


def _tsa_certificate():
    """A time-stamping certificate from the development CA, as a provincial TSA would hold."""
    ca_cert, ca_key = signing.ca_ensure()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA thử nghiệm")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _time_stamp_tokens(embedded) -> list:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return list(extract_tst_data_iter(embedded.signer_info, signed=False))


@pytest.fixture
def local_tsa(pki):
    """An RFC 3161 server on 127.0.0.1 answering with pyHanko's test time-stamper."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps import DummyTimeStamper

    cert, key = _tsa_certificate()
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers["Content-Type"])
            answer = asyncio.run(stamper.async_request_tsa_response(tsp.TimeStampReq.load(body)))
            data = answer.dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", requests
    server.shutdown()
    server.server_close()


def test_with_a_tsa_configured_results_carry_a_time_stamp_token(
    settings, local_tsa, certificate, approver, agency, citizen
):
    # given a time-stamping authority in the settings
    url, requests = local_tsa
    settings.SIGNING_TSA_URL = url

    # when a result is signed
    data = _bytes(_issue(approver, agency, citizen))

    # then the authority was asked (pyHanko first asks once to size the signature) and the signature carries its token (PAdES B-T), valid and trusted
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    assert requests and set(requests) == {"application/timestamp-query"}
    embedded = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    assert len(_time_stamp_tokens(embedded)) == 1
    roots = [signing._asn1_cert(pem) for pem in signing.trusted_roots_pem()]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots, allow_fetching=False))
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    assert signing.verify_signed_pdf(data).is_valid


def test_without_a_tsa_results_have_no_time_stamp(settings, certificate, approver, agency, citizen):
    settings.SIGNING_TSA_URL = ""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = _bytes(_issue(approver, agency, citizen))

    assert _time_stamp_tokens(PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]) == []
