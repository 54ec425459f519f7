"""REST API of Kho dữ liệu: the owner's documents, reusable documents, permission-checked logged downloads,
verification of a PDF or a code, RFC 7807 errors and the rate limit."""

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from portal.constants import Role
from repository import services
from repository.constants import AccessPurpose
from repository.models import DocumentAccessLog
from tests.portal.factories import officer_in

from .conftest import store, text_pdf

API = "/api/kho-du-lieu"


@pytest.fixture
def api():
    return APIClient()


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_the_owner_lists_their_documents_with_filters(api, citizen, today, yesterday):
    # given a valid birth certificate, an expired ID card and a revoked-by-nobody upload of another type
    birth = store(citizen, title="Giấy khai sinh")
    store(
        citizen,
        title="CMND cũ",
        document_type_code="CCCD",
        document_type_name="Căn cước",
        valid_to=yesterday,
    )
    api.force_authenticate(citizen)

    # when
    everything = api.get(f"{API}/giay-to/").json()
    valid_birth = api.get(f"{API}/giay-to/", {"type": "GT_KS_CU", "validity": "valid"}).json()
    expired = api.get(f"{API}/giay-to/", {"validity": "expired"}).json()

    # then
    assert everything["count"] == 2
    assert [d["id"] for d in valid_birth["results"]] == [birth.pk]
    assert [d["title"] for d in expired["results"]] == ["CMND cũ"]
    first = valid_birth["results"][0]
    assert first["validity"] == "valid" and first["owner"] == {
        "kind": "citizen",
        "key": "me",
        "name": str(citizen),
    }
    assert first["current_version"]["sha256"] == birth.current_version.sha256
    assert first["url"] == f"{API}/giay-to/{birth.pk}/"


def test_an_organisation_representative_lists_the_organisations_documents(api, citizen, organisation):
    # given a document of the organisation and one of the person
    company_doc = store(organisation, actor=citizen, title="Giấy chứng nhận đăng ký doanh nghiệp")
    store(citizen, title="Giấy khai sinh")
    api.force_authenticate(citizen)

    # when
    listed = api.get(f"{API}/giay-to/", {"owner": f"org-{organisation.pk}"}).json()

    # then
    assert [d["id"] for d in listed["results"]] == [company_doc.pk]
    assert listed["results"][0]["owner"]["kind"] == "organisation"


def test_someone_elses_organisation_is_refused_as_a_problem(api, other_citizen, organisation):
    api.force_authenticate(other_citizen)

    body = _problem(api.get(f"{API}/giay-to/", {"owner": f"org-{organisation.pk}"}), 400)

    assert body["errors"]["owner"] == ["Bạn không đại diện cho chủ sở hữu này."]


def test_an_anonymous_caller_gets_a_problem(api):
    body = _problem(api.get(f"{API}/giay-to/"), 403)

    assert body["status"] == 403


def test_reusable_documents_for_a_component_code(api, citizen, yesterday):
    # given a valid ID card, an expired one, and one the citizen does not share
    valid = store(citizen, title="CCCD", document_type_code="CCCD", document_type_name="Căn cước")
    store(
        citizen,
        title="CMND cũ",
        document_type_code="CCCD",
        document_type_name="Căn cước",
        valid_to=yesterday,
    )
    store(
        citizen,
        title="CCCD bản riêng",
        document_type_code="CCCD",
        document_type_name="Căn cước",
        consent_to_reuse=False,
    )
    api.force_authenticate(citizen)

    # when
    response = api.get(f"{API}/giay-to/tai-su-dung/", {"component_code": "CCCD"})

    # then only what filing may take instead of an upload
    assert response.status_code == 200
    assert [d["id"] for d in response.json()] == [valid.pk]


def test_reusable_documents_need_a_component_code(api, citizen):
    api.force_authenticate(citizen)

    body = _problem(api.get(f"{API}/giay-to/tai-su-dung/"), 400)

    assert "component_code" in body["errors"]


def test_detail_and_download_go_through_the_permission_check_and_the_log(api, citizen):
    # given
    content = text_pdf("Giấy khai sinh của tôi")
    document = store(citizen, content=content)
    api.force_authenticate(citizen)

    # when
    detail = api.get(f"{API}/giay-to/{document.pk}/").json()
    download = api.get(detail["current_version"]["download_url"], HTTP_ACCEPT="application/pdf")

    # then
    assert detail["versions"][0]["number"] == 1 and detail["use_count"] == 0
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == document.current_version.sha256
    assert download["Cache-Control"] == "private, no-store"
    log = DocumentAccessLog.objects.get()
    assert (log.accessed_by, log.purpose, log.by_owner) == (citizen, AccessPurpose.DOWNLOAD, True)


@pytest.mark.parametrize("path", ["", "tai-ve/"])
def test_another_persons_document_is_not_found(api, citizen, other_citizen, path):
    # given
    document = store(citizen)
    api.force_authenticate(other_citizen)

    # when / then the same answer as for a document that does not exist, and nothing is logged
    assert _problem(api.get(f"{API}/giay-to/{document.pk}/{path}"), 404)["type"] == "urn:problem:not_found"
    assert (
        _problem(api.get(f"{API}/giay-to/{document.pk + 999}/{path}"), 404)["type"] == "urn:problem:not_found"
    )
    assert not DocumentAccessLog.objects.exists()


def test_an_officer_of_the_issuing_agency_reads_the_result(api, issued_result, agency):
    # given an officer of the agency that issued the result
    officer = officer_in(agency, Role.SPECIALIST)
    api.force_authenticate(officer)

    # when
    response = api.get(f"{API}/giay-to/{issued_result.pk}/tai-ve/")

    # then the read is logged as an officer's
    assert response.status_code == 200
    log = DocumentAccessLog.objects.get()
    assert (log.accessed_by, log.by_owner) == (officer, False)


def test_an_unknown_version_is_a_problem(api, citizen):
    document = store(citizen)
    api.force_authenticate(citizen)

    _problem(api.get(f"{API}/giay-to/{document.pk}/tai-ve/", {"version": 7}), 404)


# --- verification ------------------------------------------------------------------------------------


def test_verify_a_signed_result_by_its_pdf(api, issued_result):
    # given the PDF a citizen received
    with issued_result.current_version.file.open("rb") as handle:
        pdf = handle.read()

    # when anyone posts it
    response = api.post(
        f"{API}/xac-thuc/", {"file": SimpleUploadedFile("ket-qua.pdf", pdf)}, format="multipart"
    )

    # then
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["is_valid"]) == ("valid", True)
    assert body["document"]["id"] == issued_result.pk and body["document"]["validity"] == "valid"


def test_verify_detects_a_modified_pdf(api, issued_result):
    with issued_result.current_version.file.open("rb") as handle:
        pdf = bytearray(handle.read())
    pdf[len(pdf) // 3] ^= 0x01  # one flipped bit inside the signed range

    body = api.post(
        f"{API}/xac-thuc/", {"file": SimpleUploadedFile("sua.pdf", bytes(pdf))}, format="multipart"
    ).json()

    assert body["is_valid"] is False and body["status"] in ("tampered", "unsigned")


def test_verify_by_code_sees_a_revocation(api, issued_result, approver):
    # given the agency revoked the result
    services.document_revoke(actor=approver, document=issued_result, reason="Cấp sai đối tượng")
    code = services.verification_code(issued_result)

    # when
    body = api.post(f"{API}/xac-thuc/", {"code": code}, format="json").json()

    # then
    assert body["status"] == "revoked"
    assert body["document"]["validity"] == "revoked"


@pytest.mark.parametrize("code", ["123-khong-dung", "abc", "999999-x"])
def test_a_wrong_code_is_a_problem(api, issued_result, code):
    body = _problem(api.post(f"{API}/xac-thuc/", {"code": code}, format="json"), 404)

    assert body["title"] == "Mã xác thực không đúng hoặc văn bản không có trong hệ thống."


def test_verify_needs_a_file_or_a_code(api, db):
    body = _problem(api.post(f"{API}/xac-thuc/", {}, format="json"), 400)

    assert body["errors"]["non_field_errors"] == ["Gửi tệp PDF (file) hoặc mã xác thực (code)."]


@pytest.mark.usefixtures("rate_limit_clock")
def test_verification_is_rate_limited_per_client(api, settings, issued_result):
    # given a limit of three checks per window
    settings.REPOSITORY_VERIFY_LIMIT = 3
    settings.REPOSITORY_VERIFY_WINDOW_SECONDS = 120
    code = services.verification_code(issued_result)

    # when one address checks four times
    answers = [
        api.post(f"{API}/xac-thuc/", {"code": code}, format="json", REMOTE_ADDR="203.0.113.5").status_code
        for _ in range(4)
    ]

    # then the fourth is refused with a problem and a Retry-After, while another address still gets through
    assert answers == [200, 200, 200, 429]
    refused = api.post(f"{API}/xac-thuc/", {"code": code}, format="json", REMOTE_ADDR="203.0.113.5")
    body = _problem(refused, 429)
    assert body["type"] == "urn:problem:too_many_verifications" and "2 phút" in body["title"]
    assert refused["Retry-After"] == "120"
    other = api.post(f"{API}/xac-thuc/", {"code": code}, format="json", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_the_api_is_in_the_openapi_schema(api, db):
    schema = api.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()

    paths = set(schema["paths"])
    assert {
        f"{API}/giay-to/",
        f"{API}/giay-to/tai-su-dung/",
        f"{API}/giay-to/{{id}}/",
        f"{API}/giay-to/{{id}}/tai-ve/",
        f"{API}/xac-thuc/",
    } <= paths


def test_a_document_valid_until_today_is_still_valid(api, citizen, today):
    document = store(citizen, valid_to=today)
    api.force_authenticate(citizen)

    body = api.get(f"{API}/giay-to/{document.pk}/").json()

    assert body["validity"] == "valid" and body["valid_to"] == today.isoformat()
    assert dt.date.fromisoformat(body["valid_to"]) == today
