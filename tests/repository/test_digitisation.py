import csv
import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.errors import NotPermitted
from repository import processing, services, tasks
from repository.constants import BackfileRowStatus, DocumentSource, JobStatus, TextExtraction
from repository.models import DigitisationJob, StoredDocument

from .conftest import page_png, store, text_pdf, upload_file


def _job(officer, agency, owner, files, **fields):
    defaults = {
        "document_type_code": "GT_KS_CU",
        "document_type_name": "Giấy khai sinh",
        "title": "Giấy khai sinh",
    }
    defaults.update(fields)
    return services.digitisation_job_create(
        actor=officer, agency=agency, owner=owner, files=files, **defaults
    )


def _run(callbacks, job_factory):
    """Create a job and let its Celery task run when the transaction commits (eager in tests)."""
    with callbacks(execute=True):
        job = job_factory()
    job.refresh_from_db()
    return job


def test_digitising_a_multi_page_scan_end_to_end(
    intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    # given two scanned pages and a two-page PDF handed in at the desk
    files = [
        upload_file("trang-1.png", page_png("GIẤY KHAI SINH")),
        upload_file("trang-2.jpg", _jpeg(page_png("TRANG HAI"))),
        upload_file("phu-luc.pdf", text_pdf("Phụ lục một", "Phụ lục hai")),
    ]
    # when the officer sends them for digitisation and the job runs
    job = _run(django_capture_on_commit_callbacks, lambda: _job(intake_officer, agency, citizen, files))
    # then one 4-page PDF with a thumbnail is in the citizen's Kho, marked as digitised by the agency
    assert job.status == JobStatus.DONE and job.progress == 100 and job.attempts == 1
    document = job.output_document
    version = document.current_version
    assert document.owner == citizen and document.source == DocumentSource.DIGITISED
    assert document.digitised_by_agency == agency
    assert version.mime_type == "application/pdf" and version.page_count == 4
    assert version.thumbnail
    with version.file.open("rb") as handle:
        assert processing.pdf_page_count(handle.read()) == 4
    # and the text of the PDF pages is extracted from their text layer
    assert "Phụ lục một" in version.extracted_text and version.text_extraction == TextExtraction.PDF_TEXT
    # and the job's history shows every step
    assert list(job.events.values_list("status", flat=True)) == [
        JobStatus.QUEUED,
        JobStatus.RUNNING,
        JobStatus.DONE,
    ]


def _jpeg(png: bytes) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


# `make test` installs tesseract; only a local run without it may skip, CI (CI=true) fails instead.
@pytest.mark.skipif(
    not processing.ocr_available() and not os.environ.get("CI"), reason="tesseract is not installed"
)
def test_scans_without_a_text_layer_are_read_by_ocr(
    intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    files = [
        upload_file("trang-1.png", page_png("GIẤY KHAI SINH")),
        upload_file("trang-2.png", page_png("Họ và tên")),
    ]
    job = _run(django_capture_on_commit_callbacks, lambda: _job(intake_officer, agency, citizen, files))
    version = job.output_document.current_version
    assert version.text_extraction == TextExtraction.OCR
    assert "KHAI SINH" in version.extracted_text.upper()


def test_ocr_is_skipped_cleanly_without_tesseract(
    monkeypatch, intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    # given a server without the tesseract binary
    monkeypatch.setattr(processing.shutil, "which", lambda name: None)
    # when a scan is digitised
    files = [upload_file("trang-1.png", page_png("GIẤY KHAI SINH"))]
    job = _run(django_capture_on_commit_callbacks, lambda: _job(intake_officer, agency, citizen, files))
    # then it is stored anyway and the officer is told why there is no text
    assert job.status == JobStatus.DONE
    assert job.output_document.current_version.text_extraction == TextExtraction.OCR_UNAVAILABLE
    assert "chưa cài tesseract" in job.events.last().message


def test_duplicate_scans_are_detected_and_not_stored_twice(
    intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    scan = page_png("GIẤY KHAI SINH")
    first = _run(
        django_capture_on_commit_callbacks,
        lambda: _job(intake_officer, agency, citizen, [upload_file("a.png", scan)]),
    )
    second = _run(
        django_capture_on_commit_callbacks,
        lambda: _job(intake_officer, agency, citizen, [upload_file("b.png", scan)]),
    )
    assert second.status == JobStatus.DONE and second.duplicate
    assert second.output_document == first.output_document
    assert StoredDocument.objects.count() == 1
    assert "Trùng giấy tờ đã có trong Kho" in second.events.last().message


def test_a_scan_the_citizen_already_uploaded_is_a_duplicate(
    intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    content = text_pdf("Giấy xác nhận cư trú")
    uploaded = store(citizen, content=content)
    job = _run(
        django_capture_on_commit_callbacks,
        lambda: _job(intake_officer, agency, citizen, [upload_file("x.pdf", content)]),
    )
    assert job.duplicate and job.output_document == uploaded


def test_an_unreadable_scan_fails_at_once_with_the_reason(
    intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    broken = page_png("x")[:200]  # a PNG cut off by the scanner
    job = _run(
        django_capture_on_commit_callbacks,
        lambda: _job(intake_officer, agency, citizen, [upload_file("hong.png", broken)]),
    )
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert job.error == "Tệp thứ 1 không phải ảnh đọc được."
    assert job.output_document is None


def test_a_passing_failure_is_retried_and_then_succeeds(
    monkeypatch, intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    # given the OCR engine crashes once, then recovers
    real = processing.extract_text
    calls = []

    def flaky(pdf, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("tesseract bị dừng đột ngột")
        return real(pdf, **kwargs)

    monkeypatch.setattr(processing, "extract_text", flaky)
    files = [upload_file("trang-1.png", page_png("GIẤY KHAI SINH"))]
    # when the job runs (Celery retries it; eager mode runs the retry at once)
    job = _run(django_capture_on_commit_callbacks, lambda: _job(intake_officer, agency, citizen, files))
    # then it succeeded on the second attempt and the failed attempt is in its history
    assert job.status == JobStatus.DONE and job.attempts == 2
    statuses = list(job.events.values_list("status", flat=True))
    assert statuses == [
        JobStatus.QUEUED,
        JobStatus.RUNNING,
        JobStatus.RETRYING,
        JobStatus.RUNNING,
        JobStatus.DONE,
    ]
    assert "tesseract bị dừng đột ngột" in job.events.get(status=JobStatus.RETRYING).message


def test_a_lasting_failure_is_shown_and_can_be_run_again(
    monkeypatch, intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    real = processing.extract_text
    monkeypatch.setattr(
        processing, "extract_text", lambda pdf, **kw: (_ for _ in ()).throw(OSError("đĩa đầy"))
    )
    files = [upload_file("trang-1.png", page_png("GIẤY KHAI SINH"))]
    job = _run(django_capture_on_commit_callbacks, lambda: _job(intake_officer, agency, citizen, files))
    assert job.status == JobStatus.FAILED
    assert job.attempts == tasks.MAX_RETRIES + 1
    assert "Không xử lý được sau 3 lần chạy" in job.error and "đĩa đầy" in job.error
    # when the cause is fixed and the officer runs it again
    monkeypatch.setattr(processing, "extract_text", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.digitisation_job_retry(actor=intake_officer, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error == ""


def test_a_finished_job_delivered_again_is_skipped(
    intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    job = _run(
        django_capture_on_commit_callbacks,
        lambda: _job(intake_officer, agency, citizen, [upload_file("a.png", page_png("A"))]),
    )
    assert tasks.digitise_scans.delay(job.pk).get() == "skipped"
    assert StoredDocument.objects.count() == 1


def test_only_desk_officers_and_specialists_of_the_agency_digitise(
    approver, other_agency_officer, citizen, agency
):
    for actor in (approver, other_agency_officer, citizen):
        with pytest.raises(NotPermitted):
            _job(actor, agency, citizen, [upload_file("a.png", page_png("A"))])


def test_officer_follows_progress_on_the_job_page(
    client, intake_officer, agency, citizen, other_agency_officer
):
    # given a queued job (its task has not run: the transaction never commits in this test)
    job = _job(intake_officer, agency, citizen, [upload_file("a.png", page_png("A"))])
    client.force_login(intake_officer)
    # when the officer opens the page, then polls it as htmx does
    page = client.get(reverse("repository:digitisation_job_detail", args=[job.pk]))
    poll = client.get(reverse("repository:digitisation_job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then both show the progress bar, and the list counts the job as waiting
    assert 'aria-valuenow="0"' in page.content.decode() and "Đang chờ" in page.content.decode()
    assert poll.templates[0].name == "repository/_job_progress.html"
    assert 'hx-trigger="every 2s"' in poll.content.decode()
    listing = client.get(reverse("repository:digitisation_jobs"), {"trang_thai": "queued"})
    assert list(listing.context["page"].object_list) == [job]
    # and an officer of another agency cannot see it
    client.force_login(other_agency_officer)
    assert client.get(reverse("repository:digitisation_job_detail", args=[job.pk])).status_code == 404


def test_officer_submits_scans_through_the_page(
    client, intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    client.force_login(intake_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("repository:digitisation_job_new"),
            {
                "agency": agency.pk,
                "owner_identifier": citizen.cccd,
                "document_type": "GT_KS_CU",
                "title": "Giấy khai sinh",
                "scans": [
                    SimpleUploadedFile("1.png", page_png("Trang một")),
                    SimpleUploadedFile("2.png", page_png("Trang hai")),
                ],
            },
        )
    job = DigitisationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "repository:digitisation_job_detail", args=[job.pk]
    )
    assert job.inputs.count() == 2 and job.status == JobStatus.DONE


def test_the_page_says_which_owner_is_unknown(client, intake_officer, agency):
    client.force_login(intake_officer)
    response = client.post(
        reverse("repository:digitisation_job_new"),
        {"agency": agency.pk, "owner_identifier": "056099999999", "document_type": "GT_KS_CU", "title": "x"},
    )
    body = response.content.decode()
    assert "Không tìm thấy công dân hoặc tổ chức có số định danh này." in body
    assert "Chọn ít nhất một tệp bản quét." in body


# --- Back-file digitisation ----------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(services.BACKFILE_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_backfile_batch_matches_owners_and_reports_every_row(
    intake_officer, agency, citizen, organisation, today, django_capture_on_commit_callbacks
):
    # given old results scanned into a zip, one of them already in the citizen's Kho
    already = text_pdf("Giấy phép cũ đã có")
    store(citizen, content=already, title="Giấy phép đã tải lên")
    future = (today.replace(year=today.year + 3)).strftime("%d/%m/%Y")
    archive = _zip(
        {
            "2019/gpxd-001.png": page_png("GIẤY PHÉP XÂY DỰNG 001"),
            "dkdn-p1.png": page_png("ĐĂNG KÝ DOANH NGHIỆP trang 1"),
            "dkdn-p2.png": page_png("trang 2"),
            "cu.pdf": already,
            "het-han.png": page_png("HẾT HẠN"),
            "rac.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
        }
    )
    metadata = _csv(
        [
            [
                "gpxd-001.png",
                citizen.cccd,
                "GPXD",
                "Giấy phép xây dựng",
                "GPXD số 001/2019",
                "001/GPXD",
                "Sở Xây dựng",
                "12/03/2019",
                "12/03/2019",
                future,
            ],
            [
                "dkdn-p1.png;dkdn-p2.png",
                organisation.tax_code,
                "GCN_DKDN",
                "Giấy chứng nhận ĐKDN",
                "GCN ĐKDN",
                "",
                "Sở KH&ĐT",
                "01/02/2020",
                "",
                "",
            ],
            ["khong-co.png", citizen.cccd, "GPXD", "Giấy phép xây dựng", "Thiếu tệp", "", "", "", "", ""],
            ["gpxd-001.png", "056099999999", "GPXD", "Giấy phép xây dựng", "Chủ lạ", "", "", "", "", ""],
            [
                "het-han.png",
                citizen.cccd,
                "GPXD",
                "Giấy phép xây dựng",
                "Hết hạn",
                "",
                "",
                "01/01/2015",
                "01/01/2015",
                "01/01/2016",
            ],
            [
                "gpxd-001.png",
                citizen.cccd,
                "GPXD",
                "Giấy phép xây dựng",
                "Ngày sai",
                "",
                "",
                "31/02/2019",
                "",
                "",
            ],
            ["cu.pdf", citizen.cccd, "GPXD", "Giấy phép xây dựng", "Đã có", "", "", "", "", ""],
            ["rac.png", citizen.cccd, "GPXD", "Giấy phép xây dựng", "Ảnh hỏng", "", "", "", "", ""],
            ["", citizen.cccd, "GPXD", "", "", "", "", "", "", ""],
        ]
    )
    # when an officer sends the batch
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.backfile_batch_create(
            actor=intake_officer,
            agency=agency,
            archive=SimpleUploadedFile("lo.zip", archive),
            metadata=SimpleUploadedFile("lo.csv", metadata),
        )
    batch.refresh_from_db()
    # then the report says what was matched, what was a duplicate, and why the rest was rejected
    assert batch.status == JobStatus.DONE and batch.total_rows == 9
    assert (batch.matched_count, batch.duplicate_count, batch.rejected_count) == (2, 1, 6)
    rows = {row.row_number: row for row in batch.rows.all()}
    assert rows[2].status == BackfileRowStatus.MATCHED and rows[2].document.owner == citizen
    assert (
        rows[2].document.source == DocumentSource.BACKFILE and rows[2].document.digitised_by_agency == agency
    )
    assert rows[3].document.owner == organisation and rows[3].document.current_version.page_count == 2
    assert rows[4].reason == "Không có tệp “khong-co.png” trong tệp nén."
    assert rows[5].reason == "Không tìm thấy công dân hoặc tổ chức có số định danh 056099999999."
    assert "đã hết hiệu lực" in rows[6].reason
    assert rows[7].reason == "Ngày cấp “31/02/2019” không đúng định dạng dd/mm/yyyy."
    assert rows[8].status == BackfileRowStatus.DUPLICATE
    assert "không phải ảnh đọc được" in rows[9].reason
    assert rows[10].reason.startswith("Thiếu thông tin: tep, ten_giay_to")


def test_backfile_report_is_shown_and_exported(
    client, intake_officer, agency, citizen, django_capture_on_commit_callbacks
):
    client.force_login(intake_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("repository:backfile_new"),
            {
                "agency": agency.pk,
                "archive": SimpleUploadedFile("lo.zip", _zip({"a.png": page_png("A")})),
                "metadata": SimpleUploadedFile(
                    "lo.csv",
                    _csv(
                        [
                            ["a.png", citizen.cccd, "GPXD", "Giấy phép", "Giấy phép A", "", "", "", "", ""],
                            ["b.png", citizen.cccd, "GPXD", "Giấy phép", "B", "", "", "", "", ""],
                        ]
                    ),
                ),
            },
        )
    detail = client.get(response["Location"])
    assert "1 đã nhập" in detail.content.decode() and "1 bị từ chối" in detail.content.decode()
    report = client.get(response["Location"], {"dinh_dang": "csv"})
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("dong,tep,so_dinh_danh") and len(lines) == 3
    assert "Không có tệp “b.png” trong tệp nén." in lines[2]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (b"ten,gi\n1,2\n", "Tệp CSV thiếu cột"),
        ("tep,so_dinh_danh,ma_loai_giay_to,ten_giay_to\n".encode("utf-16"), "UTF-8"),
        (_csv([]), "không có dòng dữ liệu"),
    ],
)
def test_a_malformed_csv_is_refused_before_queueing(client, intake_officer, agency, metadata, message):
    client.force_login(intake_officer)
    response = client.post(
        reverse("repository:backfile_new"),
        {
            "agency": agency.pk,
            "archive": SimpleUploadedFile("lo.zip", _zip({"a.png": page_png("A")})),
            "metadata": SimpleUploadedFile("lo.csv", metadata),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
