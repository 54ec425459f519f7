import datetime as dt
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.repository_hooks import HOOKS
from portal.constants import Role
from portal.errors import NotPermitted
from repository import hooks as repository_hooks
from repository import services
from repository.constants import AccessPurpose
from repository.models import DocumentAccessLog, StoredDocument
from tests.portal.factories import officer_in

from .conftest import page_png, store, text_pdf, upload_file


def _digitised_at(agency, owner):
    officer = officer_in(agency, Role.INTAKE_OFFICER)
    job = services.digitisation_job_create(
        actor=officer,
        agency=agency,
        owner=owner,
        files=[upload_file("cccd.png", page_png("CĂN CƯỚC CÔNG DÂN"))],
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        title="Căn cước công dân",
    )
    services.digitisation_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job.output_document


def _download(client, document, purpose="tai-ve"):
    return client.get(f"/kho-du-lieu/giay-to/{document.pk}/{purpose}/")


def test_owner_downloads_and_the_read_is_logged(client, citizen):
    content = text_pdf("Giấy khai sinh")
    document = store(citizen, content=content, name="giay-khai-sinh.pdf")
    client.force_login(citizen)
    response = _download(client, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    log = DocumentAccessLog.objects.get()
    assert (log.accessed_by, log.owner_user, log.purpose, log.by_owner) == (
        citizen,
        citizen,
        AccessPurpose.DOWNLOAD,
        True,
    )


def test_an_officer_of_another_agency_cannot_read_a_persons_documents(
    client, citizen, agency, other_agency_officer
):
    # given a document digitised for the citizen at the agency's desk
    document = _digitised_at(agency, citizen)
    # when an officer of another agency asks for it, by page, download, preview or thumbnail
    client.force_login(other_agency_officer)
    for path in ("", "tai-ve/", "xem/", "anh/"):
        assert client.get(f"/kho-du-lieu/giay-to/{document.pk}/{path}").status_code == 404
    # then nothing was served and no read was logged, and the service refuses too
    assert DocumentAccessLog.objects.count() == 0
    with pytest.raises(NotPermitted):
        services.document_log_access(
            actor=other_agency_officer, document=document, version=document.current_version
        )


def test_an_officer_of_the_digitising_agency_reads_and_is_logged(client, citizen, agency):
    document = _digitised_at(agency, citizen)
    officer = officer_in(agency, Role.SPECIALIST)
    client.force_login(officer)
    assert client.get(f"/kho-du-lieu/giay-to/{document.pk}/xem/").status_code == 200
    log = DocumentAccessLog.objects.get()
    assert (log.accessed_by, log.owner_user, log.by_owner, log.purpose) == (
        officer,
        citizen,
        False,
        "preview",
    )
    # and the owner sees who read it
    client.force_login(citizen)
    page = client.get(reverse("repository:document_detail", args=[document.pk]))
    assert officer.full_name in page.content.decode()


def test_an_officer_reads_when_the_person_has_a_dossier_at_the_agency(
    monkeypatch, citizen, agency, other_agency
):
    # given the dossiers app answers that the citizen has a dossier at `agency` only
    asked = []

    def applicant_has_dossier_at(*, applicant_user_id, organisation_id, agency_ids):
        asked.append((applicant_user_id, organisation_id, agency_ids))
        return agency.pk in agency_ids and applicant_user_id == citizen.pk

    monkeypatch.setattr(
        repository_hooks, "_registered", replace(HOOKS, applicant_has_dossier_at=applicant_has_dossier_at)
    )
    document = store(citizen)
    from repository.permissions import can_read_document

    # then an officer of that agency may read the citizen's own uploads, one of another agency may not
    assert can_read_document(officer_in(agency, Role.INTAKE_OFFICER), document)
    assert not can_read_document(officer_in(other_agency, Role.INTAKE_OFFICER), document)
    assert asked[0][:2] == (citizen.pk, None)


def test_without_the_dossier_check_officers_are_refused(citizen, agency):
    document = store(citizen)
    from repository.permissions import can_read_document

    assert not can_read_document(officer_in(agency, Role.INTAKE_OFFICER), document)


def test_another_citizen_gets_not_found(client, citizen, other_citizen):
    document = store(citizen)
    client.force_login(other_citizen)
    assert _download(client, document).status_code == 404
    assert client.get(reverse("repository:document_detail", args=[document.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, citizen):
    document = store(citizen)
    response = _download(client, document)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_representative_reads_the_organisations_documents(client, citizen, organisation, other_citizen):
    document = store(organisation, actor=citizen)
    client.force_login(citizen)
    assert _download(client, document).status_code == 200
    assert DocumentAccessLog.objects.get().owner_organisation == organisation


def test_an_earlier_version_is_downloaded_by_number(client, citizen):
    first = text_pdf("Bản một")
    document = store(citizen, content=first)
    services.document_add_version(
        actor=citizen, document=document, file=upload_file("2.png", page_png("Bản hai"))
    )
    client.force_login(citizen)
    response = client.get(f"/kho-du-lieu/giay-to/{document.pk}/tai-ve/", {"phien_ban": 1})
    assert b"".join(response.streaming_content) == first


# --- The citizen's pages -------------------------------------------------------------------------------


@pytest.fixture
def kho(citizen, today):
    """A citizen's store: a valid birth certificate, an expired ID card and a withdrawn-consent certificate."""
    store(citizen, title="Giấy khai sinh", document_type_code="GT_KS_CU")
    store(
        citizen,
        title="Chứng minh nhân dân cũ",
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        valid_from=today - dt.timedelta(days=3650),
        valid_to=today - dt.timedelta(days=1),
    )
    return citizen


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({}, {"Giấy khai sinh", "Chứng minh nhân dân cũ"}),
        ({"loai": "CCCD"}, {"Chứng minh nhân dân cũ"}),
        ({"hieu_luc": "valid"}, {"Giấy khai sinh"}),
        ({"hieu_luc": "expired"}, {"Chứng minh nhân dân cũ"}),
        ({"hieu_luc": "revoked"}, set()),
        ({"nguon": "issued_result"}, set()),
    ],
)
def test_my_documents_filters_by_type_and_validity(client, kho, query, titles):
    client.force_login(kho)
    response = client.get(reverse("repository:my_documents"), query)
    assert response.status_code == 200
    assert {d.title for d in response.context["page"].object_list} == titles


def test_my_documents_switches_to_an_organisation(client, citizen, organisation):
    store(citizen, title="Của tôi")
    store(organisation, actor=citizen, title="Của công ty")
    client.force_login(citizen)
    response = client.get(reverse("repository:my_documents"), {"owner": f"org-{organisation.pk}"})
    assert [d.title for d in response.context["page"].object_list] == ["Của công ty"]


def test_upload_page_stores_and_redirects(client, citizen):
    client.force_login(citizen)
    response = client.post(
        reverse("repository:document_upload"),
        {
            "owner": "me",
            "document_type": "GT_KS_CU",
            "title": "Giấy khai sinh của An",
            "valid_from": "15/03/1990",
            "file": SimpleUploadedFile("gks.png", page_png("GIẤY KHAI SINH")),
            "consent_to_reuse": "on",
        },
    )
    document = StoredDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("repository:document_detail", args=[document.pk])
    assert document.document_type_name == "Giấy khai sinh" and document.valid_from == dt.date(1990, 3, 15)
    assert document.consent_to_reuse


@pytest.mark.parametrize(
    ("post", "messages"),
    [
        ({}, ["Chọn loại giấy tờ.", "Nhập tên giấy tờ.", "Chọn tệp cần tải lên."]),
        (
            {"document_type": "GT_KS_CU", "title": "x", "valid_from": "02/01/2025", "valid_to": "01/01/2025"},
            ["Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."],
        ),
        (
            {"document_type": "GT_KS_CU", "title": "x", "valid_to": "31/02/2025"},
            ["Nhập ngày theo dạng dd/mm/yyyy."],
        ),
    ],
)
def test_upload_page_explains_errors_next_to_fields(client, citizen, post, messages):
    client.force_login(citizen)
    response = client.post(reverse("repository:document_upload"), {"owner": "me", **post})
    body = response.content.decode()
    assert 'class="error-summary' in body
    for message in messages:
        assert message in body


def test_upload_page_reports_a_duplicate_on_the_file_field(client, citizen):
    content = page_png("GIẤY KHAI SINH")
    store(citizen, content=content, name="a.png", title="Giấy khai sinh")
    client.force_login(citizen)
    response = client.post(
        reverse("repository:document_upload"),
        {
            "owner": "me",
            "document_type": "GT_KS_CU",
            "title": "Lần hai",
            "file": SimpleUploadedFile("b.png", content),
        },
    )
    assert "đã có trong Kho dữ liệu" in response.context["form"].errors["file"][0]


def test_owner_deletes_through_the_page_but_not_an_issued_result(client, citizen, issued_result):
    uploaded = store(citizen)
    client.force_login(citizen)
    assert client.post(reverse("repository:document_delete", args=[uploaded.pk])).status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.deleted_at is not None
    detail = client.get(reverse("repository:document_detail", args=[issued_result.pk])).content.decode()
    assert "không thể xóa" in detail
    client.post(reverse("repository:document_delete", args=[issued_result.pk]))
    issued_result.refresh_from_db()
    assert issued_result.deleted_at is None


def test_detail_lists_where_the_document_was_used(client, citizen):
    document = store(citizen)
    services.document_record_use(document=document, dossier_id=4242, component_id=1, actor=citizen)
    client.force_login(citizen)
    body = client.get(reverse("repository:document_detail", args=[document.pk])).content.decode()
    assert "#4242" in body


def test_consent_is_withdrawn_from_the_page(client, citizen):
    document = store(citizen)
    client.force_login(citizen)
    client.post(reverse("repository:document_consent", args=[document.pk]), {})
    document.refresh_from_db()
    assert document.consent_to_reuse is False
