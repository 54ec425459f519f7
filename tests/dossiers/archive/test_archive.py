"""Kho dữ liệu hồ sơ TTHC: every file of a dossier retrievable for the archive, by the dossier's agencies and the
administrator only, every read logged, and the archive package with its manifest."""

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.archive import package as archive_package
from dossiers.archive import selectors, services
from dossiers.archive.constants import ArchiveItemKind, RetentionDue
from dossiers.models import ArchiveAccessLog
from portal.constants import Role
from portal.errors import NotPermitted
from repository import selectors as kho_selectors
from repository import services as kho
from repository.constants import AccessPurpose
from repository.models import DocumentAccessLog
from tests.dossiers.factories import draft, pdf_upload, submitted
from tests.portal.factories import CitizenFactory, UserFactory, officer_in
from tests.repository.conftest import text_pdf

pytestmark = pytest.mark.date_sensitive

K = ArchiveItemKind


@pytest.fixture
def archived(province, pki, django_capture_on_commit_callbacks):
    """A received dossier that reused the applicant's ID card from Kho, with its printed receipt and a signed
    result issued for it by the competent department."""
    citizen = province.citizen
    card = kho.document_upload(
        actor=citizen,
        owner=citizen,
        file=pdf_upload("cccd.pdf"),
        document_type_code="CCCD",
        document_type_name="Căn cước công dân",
        title="Căn cước công dân của tôi",
    )
    dossier = draft(province)
    component = next(c for c in province.components() if c.code == "CCCD")
    dossier_services.dossier_attach_stored_document(
        dossier=dossier, actor=citizen, component=component, document=card
    )
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_services.dossier_submit(dossier=dossier, actor=citizen)
        dossier = dossier_services.dossier_receive(dossier=dossier, actor=province.officer)
    kho.signing_certificate_issue(agency=province.department)
    approver = officer_in(province.department, Role.APPROVER)
    result = kho.result_issue(
        actor=approver,
        agency=province.department,
        owner=citizen,
        pdf=text_pdf("GIẤY PHÉP số 9/GP"),
        document_type_code="GP_THU_NGHIEM",
        document_type_name="Giấy phép thử nghiệm",
        title="Giấy phép số 9/GP",
        dossier_id=dossier.pk,
    )
    dossier.card, dossier.result = card, result
    return dossier


def test_the_archive_lists_every_file_of_a_dossier_from_every_store(archived):
    # when
    items = selectors.dossier_archive_items(dossier=archived)

    # then: the uploaded form and the copy taken from Kho, the printed receipt, the result, the Kho document used
    kinds = [item.kind for item in items]
    assert kinds.count(K.DOSSIER_FILE) == 2
    assert kinds.count(K.PRINTED_FORM) == 1
    assert kinds.count(K.RESULT) == 1
    assert kinds.count(K.KHO_DOCUMENT) == 1
    reused = next(i for i in items if i.kind == K.DOSSIER_FILE and i.reused)
    used = next(i for i in items if i.kind == K.KHO_DOCUMENT)
    assert used.stored_document == archived.card
    assert used.sha256 == reused.sha256 == archived.card.current_version.sha256
    result = next(i for i in items if i.kind == K.RESULT)
    assert result.stored_document == archived.result
    assert all(len(i.sha256) == 64 and i.size > 0 for i in items)


def test_an_unfinished_dossier_shows_its_period_without_an_end_date(archived):
    # when
    archive = selectors.dossier_archive(dossier=archived)

    # then the default rule applies from the year it will end
    assert archive.retention.pending and archive.retention.years == 10
    assert archive.total_size == sum(i.size for i in archive.items)


def _administrator():
    return UserFactory(province_role=Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        (lambda p: p.officer, True),  # intake officer of the receiving desk
        (lambda p: p.specialist, True),  # specialist of the competent department
        (lambda p: officer_in(p.department, Role.AGENCY_LEADER), True),
        (lambda p: _administrator(), True),
        (lambda p: p.commune_officer, False),  # another agency
        (lambda p: officer_in(p.centre, Role.POSTAL), False),  # carries dossiers, does not read them
        (lambda p: p.citizen, False),  # the applicant reads their dossier on their own pages
        (lambda p: UserFactory(province_role=Role.PROVINCE_LEADER), False),
    ],
)
def test_who_may_read_the_archive(archived, province, reader, allowed):
    # given
    user = reader(province)
    item = selectors.dossier_archive_items(dossier=archived)[0]

    # when / then
    if allowed:
        services.archive_item_read(actor=user, dossier=archived, kind=item.kind, item_id=item.pk)
        assert ArchiveAccessLog.objects.filter(accessed_by=user, dossier=archived).count() == 1
    else:
        with pytest.raises(NotPermitted):
            services.archive_item_read(actor=user, dossier=archived, kind=item.kind, item_id=item.pk)
        assert not ArchiveAccessLog.objects.exists()


def test_drafts_are_not_in_the_archive(province):
    # given a draft
    dossier = draft(province)

    # when / then even the administrator finds nothing
    with pytest.raises(NotPermitted):
        services.archive_package_export(actor=_administrator(), dossier=dossier)


def test_reading_a_stored_document_through_the_archive_shows_in_the_owners_kho(archived, province):
    # given the document the dossier took from the applicant's Kho
    used = next(i for i in selectors.dossier_archive_items(dossier=archived) if i.kind == K.KHO_DOCUMENT)

    # when the specialist downloads it from the archive
    services.archive_item_read(
        actor=province.specialist, dossier=archived, kind=used.kind, item_id=used.pk, ip_address="10.1.2.3"
    )

    # then both logs have it, and the owner sees who read it and why
    archive_log = ArchiveAccessLog.objects.get()
    assert (archive_log.item_kind, archive_log.item_id, archive_log.sha256) == (
        K.KHO_DOCUMENT,
        used.pk,
        used.sha256,
    )
    read = kho_selectors.document_reads(document=archived.card).get()
    assert (read.accessed_by, read.purpose, read.by_owner, read.ip_address) == (
        province.specialist,
        AccessPurpose.ARCHIVE,
        False,
        "10.1.2.3",
    )


def test_a_file_of_another_dossier_is_not_found_through_this_one(archived, province):
    # given another dossier of the same desk
    other = submitted(province, CitizenFactory())
    foreign = selectors.dossier_archive_items(dossier=other)[0]

    # when the officer asks for it through the first dossier
    with pytest.raises(services.ArchiveItemNotFound):
        services.archive_item_read(
            actor=province.officer, dossier=archived, kind=foreign.kind, item_id=foreign.pk
        )

    # then nothing was read
    assert not ArchiveAccessLog.objects.exists()


def _unzip(package) -> tuple[zipfile.ZipFile, dict]:
    zipped = zipfile.ZipFile(io.BytesIO(package.file.read()))
    return zipped, json.loads(zipped.read(archive_package.MANIFEST_NAME))


def test_the_archive_package_holds_every_file_and_a_manifest(archived, province):
    # when the officer exports the package
    package = services.archive_package_export(actor=province.officer, dossier=archived, ip_address="10.0.0.9")
    zipped, manifest = _unzip(package)

    # then every file is in the zip with its checksum, and the manifest describes the dossier and its retention
    assert manifest["schema"] == archive_package.MANIFEST_SCHEMA
    assert manifest["dossier"]["code"] == archived.code
    assert manifest["dossier"]["receiving_agency"]["code"] == province.centre.code
    assert manifest["retention"]["years"] == 10 and manifest["retention"]["retain_until"] is None
    items = selectors.dossier_archive_items(dossier=archived)
    assert manifest["summary"] == {"count": len(items), "missing": 0, "mismatch": 0, "unrecorded": 0}
    for entry in manifest["files"]:
        content = zipped.read(entry["path"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] == entry["sha256_recorded"]
        assert entry["integrity"] == "ok" and entry["size"] == len(content)
        assert entry["retention"] == manifest["retention"]
    assert {e["kind"] for e in manifest["files"]} == {
        K.DOSSIER_FILE,
        K.PRINTED_FORM,
        K.RESULT,
        K.KHO_DOCUMENT,
    }
    assert package.filename == f"luu-tru-{archived.code.replace('.', '_')}.zip"
    # and the export is logged, with the stored documents it carried out of their owners' Kho
    log = ArchiveAccessLog.objects.get()
    assert (log.item_kind, log.sha256, log.accessed_by) == (K.PACKAGE, package.sha256, province.officer)
    assert DocumentAccessLog.objects.filter(purpose=AccessPurpose.ARCHIVE).count() == 2


def test_a_changed_or_lost_file_is_flagged_in_the_manifest(archived, province):
    # given one file altered on the storage and another lost
    files = list(archived.files.order_by("pk"))
    assert files[0].original_name != files[1].original_name
    storage = files[0].file.storage
    with storage.open(files[0].file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 altered")
    storage.delete(files[1].file.name)

    # when
    _zipped, manifest = _unzip(services.archive_package_export(actor=province.officer, dossier=archived))

    # then
    by_name = {e["original_name"]: e for e in manifest["files"] if e["kind"] == K.DOSSIER_FILE}
    assert by_name[files[0].original_name]["integrity"] == "mismatch"
    assert by_name[files[1].original_name]["integrity"] == "missing"
    assert by_name[files[1].original_name]["path"] is None
    assert manifest["summary"]["mismatch"] == 1 and manifest["summary"]["missing"] == 1


# --- searching the archive ------------------------------------------------------------------------------


def _withdrawn(province, citizen=None):
    dossier = submitted(province, citizen)
    return dossier_services.dossier_withdraw(dossier=dossier, actor=dossier.applicant)


def test_officers_search_only_their_agencies_dossiers(archived, province):
    # given a dossier waiting at the commune desk, which the centre never received
    from tests.dossiers.factories import Province

    elsewhere = submitted(Province())

    # when
    mine = selectors.archive_dossiers(user=province.officer, filters=selectors.ArchiveFilters())
    everything = selectors.archive_dossiers(user=_administrator(), filters=selectors.ArchiveFilters())

    # then
    assert list(mine) == [archived]
    assert set(everything) == {archived, elsewhere}


def test_search_by_code_agency_and_period(archived, province):
    # given another received dossier
    other = dossier_services.dossier_receive(
        dossier=submitted(province, CitizenFactory()), actor=province.officer
    )
    officer = province.officer
    today = timezone.localdate(archived.received_at)

    def found(**filters):
        return set(selectors.archive_dossiers(user=officer, filters=selectors.ArchiveFilters(**filters)))

    # then
    assert found(code=archived.code[-4:]) == {archived}
    assert found(agency_id=province.department.pk) == {archived, other}
    assert found(agency_id=province.commune.pk) == set()
    assert found(received_from=today, received_to=today) == {archived, other}
    assert found(received_from=today + dt.timedelta(days=1)) == set()


def test_filter_by_retention_due(archived, province):
    # given a finished dossier with its retention row, and the land rule made permanent for a second one
    finished = _withdrawn(province, CitizenFactory())
    services.archive_records_sweep()
    officer = province.officer
    ends = finished.archive_record.retain_until

    def found(retention, on):
        filters = selectors.ArchiveFilters(retention=retention)
        return set(selectors.archive_dossiers(user=officer, filters=filters, on=on))

    # then: not yet due today, due within a year shortly before its end, expired the day after
    assert found(RetentionDue.EXPIRED, ends) == set()
    assert found(RetentionDue.WITHIN_YEAR, ends - dt.timedelta(days=100)) == {finished}
    assert found(RetentionDue.EXPIRED, ends + dt.timedelta(days=1)) == {finished}
    assert found(RetentionDue.PENDING, ends) == {archived}
    assert found(RetentionDue.PERMANENT, ends) == set()


# --- pages ----------------------------------------------------------------------------------------------


def test_the_archive_page_lists_and_filters(client, archived, province, django_assert_max_num_queries):
    # given several dossiers
    for _ in range(3):
        submitted(province, CitizenFactory())
    client.force_login(province.officer)

    # when the list is opened, the number of queries does not grow with the dossiers
    with django_assert_max_num_queries(12):
        page = client.get(reverse("archive:list"))

    # then
    assert page.status_code == 200
    assert archived.code in page.content.decode()
    filtered = client.get(reverse("archive:list"), {"ma": archived.code}).content.decode()
    assert re.findall(r'href="/kho-du-lieu/luu-tru/(\d+)/"', filtered) == [str(archived.pk)]


def test_a_reversed_period_is_explained_next_to_the_field(client, province):
    client.force_login(province.officer)

    response = client.get(reverse("archive:list"), {"tu_ngay": "2025-05-02", "den_ngay": "2025-05-01"})

    page = response.content.decode()
    assert "“Đến ngày” phải sau hoặc trùng “Từ ngày”." in page
    assert 'href="#id_den_ngay"' in page


@pytest.mark.parametrize("who", ["citizen", "commune_officer"])
def test_the_archive_pages_are_not_found_for_others(client, archived, province, who):
    client.force_login(getattr(province, who))
    item = selectors.dossier_archive_items(dossier=archived)[0]

    urls = [
        reverse("archive:detail", args=[archived.pk]),
        reverse("archive:package", args=[archived.pk]),
        reverse("archive:download", args=[archived.pk, item.kind, item.pk]),
    ]
    if who == "citizen":
        urls.append(reverse("archive:list"))

    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert not ArchiveAccessLog.objects.exists()


def test_the_detail_page_downloads_a_file_and_logs_it(client, archived, province):
    client.force_login(province.specialist)
    detail = client.get(reverse("archive:detail", args=[archived.pk])).content.decode()
    result = next(i for i in selectors.dossier_archive_items(dossier=archived) if i.kind == K.RESULT)
    link = reverse("archive:download", args=[archived.pk, result.kind, result.pk])
    assert link in detail and "Thời hạn bảo quản" in detail

    response = client.get(link)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == result.sha256
    assert ArchiveAccessLog.objects.get().item_kind == K.RESULT
    reads = client.get(reverse("archive:detail", args=[archived.pk])).content.decode()
    assert str(province.specialist) in reads


def test_the_package_downloads_as_a_zip(client, archived, province):
    client.force_login(_administrator())

    response = client.get(reverse("archive:package", args=[archived.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    zipped = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive_package.MANIFEST_NAME in zipped.namelist()


# --- with the processing of the dossiers app ------------------------------------------------------------


def test_an_approved_dossier_is_archived_with_its_result_once(
    province, pki, django_capture_on_commit_callbacks
):
    from dossiers.constants import DossierState
    from tests.dossiers.factories import awaiting_approval, signing_ready

    # given a dossier processed to the end: approved, its electronic result signed into the applicant's Kho
    signing_ready(province)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = dossier_services.dossier_approve(
            dossier=awaiting_approval(province), actor=province.approver
        )
    assert dossier.state in (DossierState.RESULT_READY, DossierState.DELIVERED)
    assert dossier.finished_at is not None

    # when the archive lists it and the nightly sweep runs
    items = selectors.dossier_archive_items(dossier=dossier)
    services.archive_records_sweep()

    # then the result is listed once, as the result from the holder's Kho (same bytes as the dossier's copy)
    results = [i for i in items if i.kind == K.RESULT]
    assert len(results) == 1 and results[0].stored_document.origin_dossier_id == dossier.pk
    assert results[0].sha256 == dossier.documents.get(kind="result").sha256
    assert all(i.sha256 != results[0].sha256 for i in items if i.kind == K.PRINTED_FORM)
    assert any(i.kind == K.PRINTED_FORM for i in items)  # the receipt and the other forms stay
    # and its retention runs from the year it ended
    record = dossier.archive_record
    assert record.finished_on == timezone.localdate(dossier.finished_at)
    assert record.retain_until == dt.date(record.finished_on.year + 10, 12, 31)


def test_messages_and_answers_of_transferred_agencies_are_archived(
    province, django_capture_on_commit_callbacks
):
    from tests.dossiers.factories import PDF_BYTES, appraising

    # given a dossier under appraisal: the specialist sends the applicant a message with an attachment, then
    # transfers it to the commune, whose specialist answers with a document
    with django_capture_on_commit_callbacks(execute=True):
        dossier = appraising(province)
    dossier_services.dossier_message_post(
        dossier=dossier,
        actor=province.specialist,
        body="Đề nghị ông xem bản vẽ đã chỉnh sửa đính kèm.",
        attachment=pdf_upload("ban-ve-chinh-sua.pdf"),
    )
    commune_specialist = officer_in(province.commune, Role.SPECIALIST)
    dossier = dossier_services.dossier_transfer(
        dossier=dossier,
        actor=province.specialist,
        to_agency=province.commune,
        request="Đề nghị xác nhận hiện trạng sử dụng đất của thửa đất.",
    )
    dossier = dossier_services.dossier_return_transfer(
        dossier=dossier,
        actor=commune_specialist,
        response="Đã xác nhận hiện trạng, không có tranh chấp.",
        upload=pdf_upload("van-ban-tra-loi.pdf"),
    )

    # when
    items = selectors.dossier_archive_items(dossier=dossier)

    # then both files are in the archive
    message_file = next(i for i in items if i.kind == K.MESSAGE_FILE)
    answer = next(i for i in items if i.kind == K.TRANSFER_FILE)
    assert message_file.original_name == "ban-ve-chinh-sua.pdf" and message_file.sha256
    assert answer.original_name == "van-ban-tra-loi.pdf" and answer.size == len(PDF_BYTES)
    # and the commune, which took part, may read the archive; its package lists the answer's actual checksum
    package = services.archive_package_export(actor=commune_specialist, dossier=dossier)
    _zipped, manifest = _unzip(package)
    by_kind = {e["kind"]: e for e in manifest["files"]}
    assert by_kind[K.MESSAGE_FILE]["integrity"] == "ok"
    assert by_kind[K.TRANSFER_FILE]["integrity"] == "unrecorded"
    assert by_kind[K.TRANSFER_FILE]["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    listed = selectors.archive_dossiers(user=commune_specialist, filters=selectors.ArchiveFilters())
    assert list(listed) == [dossier]
