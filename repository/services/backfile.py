"""Back-file digitisation: a zip of scans of results issued in the past and a CSV describing them, imported row
by row into the holders' Kho with a report of every row (TT 01/2023/TT-VPCP)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal import outbox
from portal.errors import ApplicationError, NotPermitted
from portal.models import Agency, Organisation, User
from portal.uploads import check_upload, sha256_of

from .. import processing
from ..constants import (
    BackfileRowStatus,
    DocumentEventKind,
    DocumentSource,
    JobStatus,
)
from ..models import (
    BackfileBatch,
    BackfileRow,
    StoredDocument,
)
from ..permissions import (
    can_digitise,
)
from .documents import Owner, _check_validity, _event, _owner_fields, _version_create, find_duplicate

logger = logging.getLogger(__name__)


BACKFILE_COLUMNS = (
    "tep",
    "so_dinh_danh",
    "ma_loai_giay_to",
    "ten_loai_giay_to",
    "ten_giay_to",
    "so_ky_hieu",
    "co_quan_cap",
    "ngay_cap",
    "hieu_luc_tu",
    "hieu_luc_den",
)


BACKFILE_REQUIRED = ("tep", "so_dinh_danh", "ma_loai_giay_to", "ten_giay_to")


def _read_csv(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError("Tệp CSV phải lưu với bảng mã UTF-8.", code="csv_encoding") from exc
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in BACKFILE_REQUIRED if c not in header]
    if missing:
        raise ApplicationError(
            f"Tệp CSV thiếu cột: {', '.join(missing)}. Các cột: {', '.join(BACKFILE_COLUMNS)}.",
            code="csv_columns",
        )
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


@transaction.atomic
def backfile_batch_create(*, actor: User, agency: Agency, archive, metadata) -> BackfileBatch:
    """Queue the import of old, still-valid results: a zip of scans and a CSV row per result (TT 01/2023)."""
    if not can_digitise(actor, agency):
        raise NotPermitted("Bạn không có nhiệm vụ số hóa tại cơ quan này.")
    limit = getattr(settings, "BACKFILE_MAX_BYTES", 200 * 1024 * 1024)
    check_upload(archive, allowed={"application/zip": "zip"}, max_bytes=limit)
    if not metadata or not metadata.size:
        raise ApplicationError("Cần tệp CSV thông tin các kết quả.", code="csv_missing")
    metadata.seek(0)
    rows = _read_csv(metadata.read())
    if not rows:
        raise ApplicationError("Tệp CSV không có dòng dữ liệu nào.", code="csv_empty")
    metadata.seek(0)
    archive.seek(0)
    batch = BackfileBatch(agency=agency, created_by=actor, total_rows=len(rows))
    batch.archive.save(getattr(archive, "name", "ban-quet.zip"), archive, save=False)
    batch.metadata.save(getattr(metadata, "name", "thong-tin.csv"), metadata, save=False)
    batch.save()
    from ..tasks import QUEUE, import_backfile

    outbox.enqueue(import_backfile, batch.pk, queue=QUEUE)
    return batch


def _parse_date(value: str, label: str) -> dt.date | None:
    if not value:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ApplicationError(f"{label} “{value}” không đúng định dạng dd/mm/yyyy.")


def _owner_by_identifier(identifier: str) -> Owner | None:
    digits = identifier.replace("-", "").replace(" ", "")
    if len(digits) == 12:
        # A back-file result goes only to an account whose identity was proven.
        return User.objects.filter(cccd=digits, identity_verified_at__isnull=False).first()
    return Organisation.objects.filter(tax_code__in=[identifier.strip(), digits]).first()


def _zip_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    wanted = name.strip().replace("\\", "/").lower()
    for info in archive.infolist():
        member = info.filename.lower()
        if member == wanted or member.rsplit("/", 1)[-1] == wanted.rsplit("/", 1)[-1]:
            return info
    return None


def _backfile_row(
    batch: BackfileBatch, archive: zipfile.ZipFile, number: int, row: dict[str, str], today: dt.date
) -> None:
    base = {
        "batch": batch,
        "row_number": number,
        "file_name": row.get("tep", "")[:255],
        "owner_identifier": row.get("so_dinh_danh", "")[:20],
        "document_type_code": row.get("ma_loai_giay_to", "")[:60],
        "title": row.get("ten_giay_to", "")[:300],
    }

    def reject(reason: str, status: str = BackfileRowStatus.REJECTED, document=None) -> None:
        BackfileRow.objects.create(**base, status=status, reason=reason[:500], document=document)

    missing = [c for c in BACKFILE_REQUIRED if not row.get(c)]
    if missing:
        return reject(f"Thiếu thông tin: {', '.join(missing)}.")
    try:
        issued_on = _parse_date(row.get("ngay_cap", ""), "Ngày cấp")
        valid_from = _parse_date(row.get("hieu_luc_tu", ""), "Ngày hiệu lực")
        valid_to = _parse_date(row.get("hieu_luc_den", ""), "Ngày hết hiệu lực")
        _check_validity(valid_from, valid_to)
    except ApplicationError as exc:
        return reject(exc.message)
    if valid_to and valid_to < today:
        return reject(
            f"Kết quả đã hết hiệu lực từ sau ngày {valid_to:%d/%m/%Y}; chỉ số hóa kết quả còn hiệu lực."
        )
    owner = _owner_by_identifier(row["so_dinh_danh"])
    if owner is None:
        return reject(f"Không tìm thấy công dân hoặc tổ chức có số định danh {row['so_dinh_danh']}.")
    parts = []
    max_bytes = settings.UPLOAD_MAX_BYTES
    for name in [n for n in row["tep"].split(";") if n.strip()]:
        info = _zip_member(archive, name)
        if info is None:
            return reject(f"Không có tệp “{name.strip()}” trong tệp nén.")
        if info.file_size > max_bytes:
            return reject(f"Tệp “{name.strip()}” vượt quá {max_bytes // 1048576} MB.")
        upload = ContentFile(archive.read(info), name=info.filename.rsplit("/", 1)[-1])
        try:
            checked = check_upload(upload, allowed=processing.SCAN_ALLOWED)
        except ApplicationError as exc:
            return reject(exc.message)
        parts.append((upload.read(), checked.mime_type, sha256_of(upload)))
    try:
        pdf = processing.images_and_pdfs_to_pdf([(data, mime) for data, mime, _ in parts])
    except processing.ScanUnreadable as exc:
        return reject(str(exc))
    import hashlib

    hashes = [h for _, _, h in parts] + [hashlib.sha256(pdf).hexdigest()]
    existing = find_duplicate(owner=owner, sha256s=hashes)
    if existing:
        return reject(
            f"Đã có trong Kho của chủ sở hữu: “{existing.title}”.", BackfileRowStatus.DUPLICATE, existing
        )
    extracted = processing.extract_text(pdf)
    document = StoredDocument.objects.create(
        **_owner_fields(owner),
        document_type_code=row["ma_loai_giay_to"],
        document_type_name=row.get("ten_loai_giay_to") or row["ten_giay_to"],
        title=row["ten_giay_to"],
        number=row.get("so_ky_hieu", ""),
        source=DocumentSource.BACKFILE,
        issuer=row.get("co_quan_cap", ""),
        issued_on=issued_on,
        valid_from=valid_from or issued_on,
        valid_to=valid_to,
        digitised_by_agency=batch.agency,
        created_by=batch.created_by,
    )
    _version_create(
        document=document,
        data=pdf,
        original_name=f"so-hoa-lo-{batch.pk}-dong-{number}.pdf",
        mime_type="application/pdf",
        actor=batch.created_by,
        extracted_text=extracted.text,
        text_extraction=extracted.method,
        note=f"Số hóa theo lô #{batch.pk}",
    )
    _event(
        document, DocumentEventKind.CREATED, batch.created_by, source=DocumentSource.BACKFILE, batch=batch.pk
    )
    BackfileRow.objects.create(**base, status=BackfileRowStatus.MATCHED, document=document)


def backfile_batch_run(*, batch_id: int, final_attempt: bool = True) -> str:
    """Import every CSV row of a batch, each in its own transaction; rows already done are skipped on a rerun.

    Returns "done", "failed", "retry" or "skipped", like `digitisation_job_run`.
    """
    with transaction.atomic():
        batch = BackfileBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status in (JobStatus.DONE, JobStatus.FAILED):
            return "skipped"
        # Claimable while queued, retrying, or running (a worker that died leaves it running; acks_late).
        batch.status = JobStatus.RUNNING
        batch.attempts += 1
        batch.save(update_fields=["status", "attempts"])
    try:
        with batch.metadata.open("rb") as handle:
            rows = _read_csv(handle.read())
        done = set(batch.rows.values_list("row_number", flat=True))
        today = timezone.localdate()
        with batch.archive.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
            for number, row in enumerate(rows, start=2):  # row 1 is the header, as a spreadsheet shows it
                if number in done:
                    continue
                with transaction.atomic():
                    _backfile_row(batch, archive, number, row, today)
                BackfileBatch.objects.filter(pk=batch.pk).update(
                    progress=min(99, 100 * (number - 1) // len(rows))
                )
    except (ApplicationError, zipfile.BadZipFile) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else "Tệp nén bị hỏng."
        BackfileBatch.objects.filter(pk=batch.pk).update(
            status=JobStatus.FAILED, error=message, finished_at=timezone.now()
        )
        return "failed"
    except Exception as exc:  # noqa: BLE001 — storage or OCR trouble may pass; rows done so far are kept
        logger.exception("Back-file batch %s failed (attempt %s)", batch.pk, batch.attempts)
        detail = f"{type(exc).__name__}: {exc}"
        if final_attempt:
            BackfileBatch.objects.filter(pk=batch.pk).update(
                status=JobStatus.FAILED,
                error=f"Dừng sau {batch.attempts} lần chạy. Lỗi: {detail}",
                finished_at=timezone.now(),
            )
            return "failed"
        BackfileBatch.objects.filter(pk=batch.pk).update(
            status=JobStatus.RETRYING, error=f"Lần chạy thứ {batch.attempts} lỗi ({detail}); sẽ tự thử lại."
        )
        return "retry"
    counts = {status: batch.rows.filter(status=status).count() for status in BackfileRowStatus.values}
    BackfileBatch.objects.filter(pk=batch.pk).update(
        status=JobStatus.DONE,
        progress=100,
        error="",
        matched_count=counts[BackfileRowStatus.MATCHED],
        rejected_count=counts[BackfileRowStatus.REJECTED],
        duplicate_count=counts[BackfileRowStatus.DUPLICATE],
        finished_at=timezone.now(),
    )
    return "done"
