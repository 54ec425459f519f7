import datetime as dt

import pytest
from django.core.files.storage import default_storage

from portal.errors import ApplicationError, Conflict, NotPermitted
from repository import selectors, services
from repository.constants import DocumentEventKind, DocumentSource
from repository.models import DocumentUse, StoredDocument

from .conftest import page_png, store, text_pdf, upload_file

pytestmark = pytest.mark.date_sensitive


@pytest.mark.parametrize(
    ("name", "content_factory", "mime", "pages"),
    [
        ("giay-khai-sinh.pdf", lambda: text_pdf("Giấy khai sinh", "Trang hai"), "application/pdf", 2),
        ("cccd.png", lambda: page_png("CĂN CƯỚC"), "image/png", 1),
    ],
)
def test_upload_stores_a_versioned_document_with_checksum_and_preview(
    citizen, name, content_factory, mime, pages
):
    # given a citizen with a document on their phone
    content = content_factory()
    # when they upload it to their Kho
    document = store(citizen, content=content, name=name, title="Giấy tờ của tôi")
    # then the store holds it with one version, its checksum, page count and a thumbnail
    version = document.current_version
    assert document.owner == citizen
    assert document.source == DocumentSource.UPLOADED
    assert version.number == 1
    assert version.mime_type == mime
    assert version.page_count == pages
    assert version.size == len(content)
    import hashlib

    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.thumbnail and default_storage.exists(version.thumbnail.name)
    with version.file.open("rb") as handle:
        assert handle.read() == content
    assert list(document.events.values_list("kind", flat=True)) == [DocumentEventKind.CREATED]


def test_duplicate_upload_is_detected_with_a_clear_message(citizen):
    # given a document already in the citizen's Kho
    content = text_pdf("Giấy khai sinh của Nguyễn Văn An")
    first = store(citizen, content=content, title="Giấy khai sinh")
    # when the same file is uploaded again under another name
    with pytest.raises(Conflict) as error:
        store(citizen, content=content, name="ban-sao.pdf", title="Bản sao giấy khai sinh")
    # then it is refused, naming the document already held
    assert "đã có trong Kho dữ liệu" in error.value.message
    assert "“Giấy khai sinh”" in error.value.message
    assert error.value.extra == {"document_id": first.pk}
    assert StoredDocument.objects.count() == 1


def test_the_same_file_may_belong_to_two_owners(citizen, other_citizen):
    content = text_pdf("Hợp đồng mua bán")
    store(citizen, content=content)
    store(other_citizen, content=content)
    assert StoredDocument.objects.count() == 2


def test_a_deleted_document_no_longer_counts_as_duplicate(citizen):
    content = text_pdf("Giấy xác nhận cư trú")
    document = store(citizen, content=content)
    services.document_delete(actor=citizen, document=document)
    again = store(citizen, content=content)
    assert again.pk != document.pk


def test_representative_stores_documents_for_the_organisation(citizen, other_citizen, organisation):
    document = store(organisation, actor=citizen, title="Giấy chứng nhận đăng ký doanh nghiệp")
    assert document.owner_organisation == organisation and document.owner_user is None
    with pytest.raises(NotPermitted):
        store(organisation, actor=other_citizen)


def test_upload_refuses_wrong_type_and_inverted_validity(citizen, today):
    with pytest.raises(ApplicationError, match="không đúng định dạng"):
        store(citizen, content=b"MZ\x90\x00" + b"\x00" * 200, name="virus.pdf")
    with pytest.raises(ApplicationError, match="Ngày hết hiệu lực phải sau"):
        store(citizen, valid_from=today, valid_to=today - dt.timedelta(days=1))


def test_a_new_version_keeps_the_old_one(citizen):
    document = store(citizen, title="Sơ yếu lý lịch")
    services.document_add_version(
        actor=citizen,
        document=document,
        file=upload_file("moi.png", page_png("Bản rõ hơn")),
        note="Bản rõ hơn",
    )
    document.refresh_from_db()
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    assert document.current_version.number == 2
    assert document.current_version.mime_type == "image/png"


# --- Reuse (once-only) -------------------------------------------------------------------------------


def _reusable_codes(owner, code, on):
    return list(selectors.documents_reusable_for(owner, code, on=on).values_list("title", flat=True))


def test_valid_consented_document_is_offered_for_its_component(citizen, today):
    store(
        citizen, title="Giấy khai sinh", document_type_code="GT_KS_CU", valid_to=today + dt.timedelta(days=30)
    )
    store(citizen, title="Căn cước", document_type_code="CCCD")
    assert _reusable_codes(citizen, "GT_KS_CU", today) == ["Giấy khai sinh"]


@pytest.mark.parametrize(
    "make_unusable",
    ["expired", "revoked", "no_consent", "deleted", "not_yet_valid"],
)
def test_unusable_documents_are_not_offered(make_unusable, citizen, intake_officer, agency, today, yesterday):
    # given a document of the component's type that is not usable today
    if make_unusable == "expired":
        store(citizen, valid_from=yesterday - dt.timedelta(days=30), valid_to=yesterday)
    elif make_unusable == "revoked":
        job_document = _digitised(citizen, intake_officer, agency)
        services.document_revoke(actor=_revoker(agency), document=job_document, reason="Cấp sai thông tin")
    elif make_unusable == "no_consent":
        document = store(citizen)
        services.document_set_consent(actor=citizen, document=document, consent=False)
    elif make_unusable == "deleted":
        services.document_delete(actor=citizen, document=store(citizen))
    elif make_unusable == "not_yet_valid":
        store(citizen, valid_from=today + dt.timedelta(days=1))
    # then filing does not offer it
    assert _reusable_codes(citizen, "GT_KS_CU", today) == []
    # and it cannot be linked either
    document = StoredDocument.objects.get()
    with pytest.raises(Conflict):
        services.document_record_use(document=document, dossier_id=1, component_id=2, actor=citizen)


def _revoker(agency):
    from portal.constants import Role
    from tests.portal.factories import officer_in

    return officer_in(agency, Role.SPECIALIST)


def _digitised(owner, officer, agency):
    job = services.digitisation_job_create(
        actor=officer,
        agency=agency,
        owner=owner,
        files=[upload_file("trang-1.png", page_png("GIẤY KHAI SINH"))],
        document_type_code="GT_KS_CU",
        document_type_name="Giấy khai sinh",
        title="Giấy khai sinh (bản số hóa)",
    )
    services.digitisation_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job.output_document


def test_other_owners_documents_are_never_offered(citizen, other_citizen, today):
    store(other_citizen, document_type_code="GT_KS_CU")
    assert _reusable_codes(citizen, "GT_KS_CU", today) == []


def test_reuse_links_the_document_and_flags_the_component(citizen, today):
    # given a valid birth certificate in the Kho
    document = store(citizen, document_type_code="GT_KS_CU")
    # when the citizen picks it for component 77 of dossier 9 instead of uploading
    use = services.document_record_use(document=document, dossier_id=9, component_id=77, actor=citizen)
    # then the component is flagged as reused, pointing at the stored version — nothing was copied
    assert selectors.uses_for_dossier(dossier_id=9) == {77: use}
    assert use.version == document.current_version
    assert StoredDocument.objects.count() == 1 and document.versions.count() == 1
    assert document.events.filter(kind=DocumentEventKind.USED).count() == 1
    # and recording the same pick again changes nothing
    assert (
        services.document_record_use(document=document, dossier_id=9, component_id=77, actor=citizen) == use
    )
    assert DocumentUse.objects.count() == 1


def test_someone_else_cannot_use_a_document(citizen, other_citizen):
    document = store(citizen)
    with pytest.raises(NotPermitted):
        services.document_record_use(document=document, dossier_id=1, component_id=1, actor=other_citizen)


def test_desk_sees_what_the_applicant_already_holds(citizen, today, yesterday):
    store(citizen, document_type_code="GT_KS_CU", title="Giấy khai sinh")
    store(citizen, document_type_code="CCCD", title="Căn cước", valid_to=yesterday, valid_from=yesterday)
    held = selectors.documents_held_by(citizen, on=today)
    assert {code: [d.title for d in docs] for code, docs in held.items()} == {"GT_KS_CU": ["Giấy khai sinh"]}


# --- Deleting, consent, revoking -----------------------------------------------------------------------


def test_owner_deletes_an_unused_upload_and_its_file_is_erased(citizen, django_capture_on_commit_callbacks):
    document = store(citizen)
    name = document.current_version.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=citizen, document=document)
    document.refresh_from_db()
    assert document.deleted_at is not None
    assert not default_storage.exists(name)
    assert selectors.documents_for_owner(owner=citizen).count() == 0


def test_a_used_document_keeps_its_file_for_the_dossier(citizen, django_capture_on_commit_callbacks):
    document = store(citizen)
    services.document_record_use(document=document, dossier_id=3, component_id=4, actor=citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=citizen, document=document)
    assert default_storage.exists(document.current_version.file.name)
    assert document.events.get(kind=DocumentEventKind.DELETED).data == {"file_kept_for_dossiers": True}


def test_issued_results_and_digitised_documents_cannot_be_deleted(
    issued_result, citizen, intake_officer, agency
):
    digitised = _digitised(citizen, intake_officer, agency)
    for document in (issued_result, digitised):
        with pytest.raises(NotPermitted) as error:
            services.document_delete(actor=citizen, document=document)
        assert error.value.code == "not_deletable"


def test_only_the_owner_deletes(citizen, other_citizen):
    with pytest.raises(NotPermitted):
        services.document_delete(actor=other_citizen, document=store(citizen))


def test_consent_changes_are_recorded(citizen):
    document = store(citizen)
    services.document_set_consent(actor=citizen, document=document, consent=False)
    services.document_set_consent(actor=citizen, document=document, consent=False)
    assert document.events.filter(kind=DocumentEventKind.CONSENT_CHANGED).count() == 1


def test_only_the_digitising_or_issuing_agency_revokes(citizen, intake_officer, agency, other_agency):
    document = _digitised(citizen, intake_officer, agency)
    from portal.constants import Role
    from tests.portal.factories import officer_in

    with pytest.raises(NotPermitted):
        services.document_revoke(
            actor=officer_in(other_agency, Role.SPECIALIST), document=document, reason="x"
        )
    with pytest.raises(NotPermitted):
        services.document_revoke(actor=citizen, document=document, reason="x")
    with pytest.raises(ApplicationError, match="lý do"):
        services.document_revoke(actor=_revoker(agency), document=document, reason="  ")
    services.document_revoke(actor=_revoker(agency), document=document, reason="Cấp sai họ tên")
    document.refresh_from_db()
    assert document.revoked_reason == "Cấp sai họ tên" and document.validity_state() == "revoked"
