import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.constants import Role
from portal.errors import ApplicationError, NotPermitted
from repository import services, signing
from repository.constants import DocumentSource, VerificationStatus
from repository.models import SigningCertificate
from tests.portal.factories import AgencyFactory, officer_in

from .conftest import text_pdf

pytestmark = pytest.mark.date_sensitive


def _bytes(document) -> bytes:
    with document.current_version.file.open("rb") as handle:
        return handle.read()


def _page_text(data: bytes) -> str:
    """Text of the pages including the signature stamp (an annotation, so flattened first)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()
    for index in range(len(pdf)):
        pdf[index].flatten()
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    flat = pdfium.PdfDocument(buffer.getvalue())
    try:
        return "\n".join(flat[i].get_textpage().get_text_range() for i in range(len(flat)))
    finally:
        flat.close()


def test_issued_result_is_signed_stored_and_verifies_as_valid(issued_result, citizen, agency):
    # given a result signed by the agency for the citizen (fixture)
    data = _bytes(issued_result)
    # then it is in the citizen's Kho as an issued result with its signature recorded
    assert issued_result.owner == citizen
    assert issued_result.source == DocumentSource.ISSUED_RESULT
    assert issued_result.issuing_agency == agency and issued_result.origin_dossier_id == 501
    signature = issued_result.current_version.signature_info["signatures"][0]
    assert signature["signer"] == agency.name
    # and the stamp prints the verification code under the QR code
    code = services.verification_code(issued_result)
    assert f"Mã xác thực: {code}" in _page_text(data)
    # and verification finds it valid, signed by the agency, and tied to the stored document
    result = signing.verify_signed_pdf(data)
    assert result.status == VerificationStatus.VALID
    assert result.signer == agency.name
    assert result.document == issued_result


def _flip_byte_in_signed_content(data: bytes) -> bytes:
    tampered = bytearray(data)
    position = data.index(b"stream") + 40
    tampered[position] ^= 0x01
    return bytes(tampered)


def _append_page_by_incremental_update(data: bytes) -> bytes:
    """Add a page after signing, as someone slipping content into a signed result would."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    list(map(generic.NumberObject, (0, 0, 595, 842)))
                ),
                generic.pdf_name("/Contents"): writer.add_object(
                    generic.StreamObject(stream_data=b"0 0 m 100 100 l S")
                ),
            }
        )
    )
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _alter_the_signature_itself(data: bytes) -> bytes:
    """Change one hex digit of the signer's certificate inside the CMS blob (still well-formed hex)."""
    start = data.index(b"/Contents <") + len(b"/Contents <")
    blob = bytearray(data)
    position = start + 600  # inside the embedded certificates, past the CMS headers
    blob[position] = ord("0") if blob[position] != ord("0") else ord("1")
    return bytes(blob)


@pytest.mark.parametrize(
    "tamper",
    [_flip_byte_in_signed_content, _append_page_by_incremental_update, _alter_the_signature_itself],
)
def test_a_tampered_result_fails_verification(issued_result, tamper):
    result = signing.verify_signed_pdf(tamper(_bytes(issued_result)))
    assert result.status == VerificationStatus.TAMPERED
    assert not result.is_valid


def test_a_revoked_result_shows_revoked(issued_result, agency):
    # given the agency revokes the result
    services.document_revoke(
        actor=officer_in(agency, Role.SPECIALIST), document=issued_result, reason="Cấp nhầm thửa đất"
    )
    # when anyone verifies their copy
    result = signing.verify_signed_pdf(_bytes(issued_result))
    # then it shows revoked with the reason
    assert result.status == VerificationStatus.REVOKED
    assert "Cấp nhầm thửa đất" in result.message


def test_an_expired_result_shows_expired(certificate, approver, agency, citizen, today):
    # given a result whose validity ended yesterday
    document = services.result_issue(
        actor=approver,
        agency=agency,
        owner=citizen,
        pdf=text_pdf("GIẤY PHÉP"),
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép tạm",
        valid_from=today - dt.timedelta(days=30),
        valid_to=today - dt.timedelta(days=1),
    )
    result = signing.verify_signed_pdf(_bytes(document))
    assert result.status == VerificationStatus.EXPIRED
    assert (today - dt.timedelta(days=1)).strftime("%d/%m/%Y") in result.message


def test_a_signature_by_an_expired_certificate_shows_expired(pki, agency):
    # given a certificate that expired last month (the service would refuse it, the signer is called directly)
    long_ago = timezone.now() - dt.timedelta(days=400)
    expired = services.signing_certificate_issue(agency=agency, not_before=long_ago, valid_days=30)
    data = signing.sign_pdf(
        text_pdf("Văn bản"),
        certificate=expired,
        verification_url="http://x/",
        signer_name=agency.name,
        reason="Thử",
    )
    assert signing.verify_signed_pdf(data).status == VerificationStatus.EXPIRED


def test_a_certificate_revoked_before_signing_shows_revoked(certificate, agency):
    data = signing.sign_pdf(
        text_pdf("Văn bản"),
        certificate=certificate,
        verification_url="http://x/",
        signer_name=agency.name,
        reason="Thử",
    )
    services.signing_certificate_revoke(certificate=certificate, reason="Lộ khóa bí mật")
    assert signing.verify_signed_pdf(data).status == VerificationStatus.REVOKED


def test_results_signed_before_the_certificate_was_revoked_stay_valid(issued_result, certificate):
    services.signing_certificate_revoke(certificate=certificate, reason="Thay chứng thư định kỳ")
    assert signing.verify_signed_pdf(_bytes(issued_result)).status == VerificationStatus.VALID


def test_a_signer_outside_the_trusted_roots_is_unknown(settings, tmp_path, pki, agency, certificate):
    # given a PDF signed under another certificate authority
    settings.PKI_DIR = str(tmp_path / "other-ca")
    foreign = services.signing_certificate_issue(agency=AgencyFactory(name="Cơ quan lạ"))
    data = signing.sign_pdf(
        text_pdf("Văn bản"), certificate=foreign, verification_url="http://x/", signer_name="Lạ", reason="Thử"
    )
    # when verified by this installation (which trusts only its own CA)
    settings.PKI_DIR = str(pki)
    assert signing.verify_signed_pdf(data).status == VerificationStatus.UNKNOWN_SIGNER


@pytest.mark.parametrize(
    ("data", "status"), [(None, VerificationStatus.UNSIGNED), (b"not a pdf", VerificationStatus.UNSIGNED)]
)
def test_unsigned_or_unreadable_files_say_so(data, status, pki):
    data = data or text_pdf("Chưa ký")
    assert signing.verify_signed_pdf(data).status == status


def test_only_leaders_of_the_agency_sign_results(certificate, specialist, citizen, agency):
    with pytest.raises(NotPermitted):
        services.result_issue(
            actor=specialist,
            agency=agency,
            owner=citizen,
            pdf=text_pdf("x"),
            document_type_code="GPXD",
            document_type_name="Giấy phép xây dựng",
            title="Giấy phép",
        )


def test_an_agency_without_a_usable_certificate_cannot_sign(pki, approver, citizen, agency):
    services.signing_certificate_issue(
        agency=agency, not_before=timezone.now() - dt.timedelta(days=400), valid_days=30
    )
    with pytest.raises(ApplicationError) as error:
        services.result_issue(
            actor=approver,
            agency=agency,
            owner=citizen,
            pdf=text_pdf("x"),
            document_type_code="GPXD",
            document_type_name="Giấy phép xây dựng",
            title="Giấy phép",
        )
    assert error.value.code == "no_signing_certificate"


def test_command_creates_the_ca_and_one_certificate_per_agency_once(pki, agency, other_agency):
    call_command("create_signing_certificates", stdout=io.StringIO())
    call_command("create_signing_certificates", stdout=io.StringIO())
    assert SigningCertificate.objects.filter(agency__in=[agency, other_agency]).count() == 2
    assert (pki / "ca" / "ca.pem").exists()
    key_path = SigningCertificate.objects.get(agency=agency).key_path
    assert oct(__import__("os").stat(key_path).st_mode & 0o777) == "0o600"


def test_certificate_from_a_real_ca_is_imported_from_pkcs12(
    pki, agency, other_agency, approver, citizen, tmp_path
):
    # given a PKCS#12 file as a certificate authority hands it to an agency
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    issued = signing.agency_certificate_generate(other_agency)
    key = serialization.load_pem_private_key(issued.key_path.read_bytes(), password=None)
    ca_cert, _ = signing.ca_ensure()
    p12 = pkcs12.serialize_key_and_certificates(
        b"sxd", key, issued.certificate, [ca_cert], serialization.BestAvailableEncryption(b"mat-khau")
    )
    path = tmp_path / "sxd.p12"
    path.write_bytes(p12)
    # when the administrator imports it for the agency
    call_command(
        "create_signing_certificates",
        agency=[agency.code],
        p12=str(path),
        passphrase="mat-khau",
        stdout=io.StringIO(),
    )
    # then the agency signs with it and the result verifies
    document = services.result_issue(
        actor=approver,
        agency=agency,
        owner=citizen,
        pdf=text_pdf("x"),
        document_type_code="GPXD",
        document_type_name="Giấy phép xây dựng",
        title="Giấy phép",
    )
    assert signing.verify_signed_pdf(_bytes(document)).is_valid


# --- The public verification page ---------------------------------------------------------------------


def test_anyone_verifies_a_result_by_uploading_it(client, issued_result):
    response = client.post(
        reverse("repository:verify"), {"file": SimpleUploadedFile("kq.pdf", _bytes(issued_result))}
    )
    assert response.status_code == 200
    assert response.context["result"].status == VerificationStatus.VALID
    assert "Giấy phép xây dựng số 12/GPXD" in response.content.decode()


def test_the_qr_link_shows_the_stored_result_state(client, issued_result, agency):
    url = reverse("repository:verify_link", args=[issued_result.pk, issued_result.verification_token])
    assert client.get(url).context["result"].status == VerificationStatus.VALID
    services.document_revoke(actor=officer_in(agency, Role.SPECIALIST), document=issued_result, reason="Sai")
    response = client.get(url)
    assert response.context["result"].status == VerificationStatus.REVOKED
    assert "Đã bị thu hồi" in response.content.decode()


def test_the_link_needs_its_token(client, issued_result):
    url = reverse("repository:verify_link", args=[issued_result.pk, "doan-bua"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("code_of", "outcome"), [("right", "redirect"), ("wrong", "error"), ("garbage", "error")]
)
def test_the_code_printed_on_paper_leads_to_the_result(client, issued_result, code_of, outcome):
    code = {
        "right": services.verification_code(issued_result),
        "wrong": f"{issued_result.pk}-khong-phai-ma-cua-van-ban",
        "garbage": "abc",
    }[code_of]
    response = client.post(reverse("repository:verify"), {"code": code})
    if outcome == "redirect":
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "repository:verify_link", args=[issued_result.pk, issued_result.verification_token]
        )
    else:
        assert "Mã xác thực không đúng" in response.content.decode()


def test_the_verification_form_asks_for_a_file_or_a_code(client, db):
    response = client.post(reverse("repository:verify"), {})
    assert "Chọn tệp PDF hoặc nhập mã xác thực." in response.content.decode()


def test_command_refuses_a_development_ca_in_production(settings, pki, agency):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--import-p12"):
        call_command("create_signing_certificates", stdout=io.StringIO())
    assert not SigningCertificate.objects.exists()


# --- Rate limits of the public verification ---------------------------------------------------------------


@pytest.mark.usefixtures("rate_limit_clock")
def test_the_verification_page_limits_checks_per_client(client, settings, issued_result):
    # given two checks allowed per window
    settings.REPOSITORY_VERIFY_LIMIT = 2
    settings.REPOSITORY_VERIFY_WINDOW_SECONDS = 300
    code = services.verification_code(issued_result)

    # when one address posts three codes
    answers = [client.post(reverse("repository:verify"), {"code": code}).status_code for _ in range(3)]

    # then the third is refused with a message in the error summary
    assert answers == [302, 302, 429]
    refused = client.post(reverse("repository:verify"), {"code": code})
    assert refused.status_code == 429
    assert "Bạn đã xác thực quá nhiều lần. Vui lòng thử lại sau 5 phút." in refused.content.decode()
    # and another address is not affected
    assert (
        client.post(reverse("repository:verify"), {"code": code}, REMOTE_ADDR="198.51.100.20").status_code
        == 302
    )


@pytest.mark.usefixtures("rate_limit_clock")
def test_an_invalid_form_is_not_counted(client, settings, db):
    settings.REPOSITORY_VERIFY_LIMIT = 1

    answers = [client.post(reverse("repository:verify"), {}).status_code for _ in range(3)]

    assert answers == [200, 200, 200]


@pytest.mark.usefixtures("rate_limit_clock")
def test_guessing_verification_links_is_limited(client, settings, issued_result):
    # given two wrong links allowed per window
    settings.REPOSITORY_VERIFY_LIMIT = 2
    good = reverse("repository:verify_link", args=[issued_result.pk, issued_result.verification_token])
    wrong = [reverse("repository:verify_link", args=[issued_result.pk, f"doan-{n}"]) for n in range(3)]

    # when an address guesses three tokens, then opens the right link
    answers = [client.get(url).status_code for url in wrong]
    after = client.get(good)

    # then guessing is stopped, the right link too for that address until the window ends
    assert answers == [404, 404, 429]
    assert after.status_code == 429
    assert "Vui lòng thử lại sau" in after.content.decode()


@pytest.mark.usefixtures("rate_limit_clock")
def test_right_verification_links_are_not_counted(client, settings, issued_result):
    settings.REPOSITORY_VERIFY_LIMIT = 1
    good = reverse("repository:verify_link", args=[issued_result.pk, issued_result.verification_token])

    assert [client.get(good).status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.usefixtures("rate_limit_clock")
def test_the_client_address_behind_trusted_proxies(client, settings, issued_result):
    # given one trusted proxy that appends the address it saw
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REPOSITORY_VERIFY_LIMIT = 1
    code = services.verification_code(issued_result)

    def post(forwarded):
        return client.post(reverse("repository:verify"), {"code": code}, HTTP_X_FORWARDED_FOR=forwarded)

    # when a client forges the left part of the header, it is still counted by what the proxy saw
    assert post("1.1.1.1, 203.0.113.9").status_code == 302
    assert post("2.2.2.2, 203.0.113.9").status_code == 429
    assert post("203.0.113.10").status_code == 302
