"""Digitisation jobs (TT 01/2023/TT-VPCP): scans merged into one PDF, text extracted, stored in the owner's Kho; a
job made for a dossier component puts its PDF into that dossier through `repository.hooks`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal import outbox
from portal.errors import ApplicationError, Conflict, NotPermitted
from portal.models import Agency, User
from portal.uploads import check_upload

from .. import processing
from ..constants import (
    DocumentEventKind,
    DossierLinkState,
    JobStatus,
    TextExtraction,
)
from ..hooks import dossier_hooks
from ..models import (
    DigitisationEvent,
    DigitisationInput,
    DigitisationJob,
    StoredDocument,
)
from ..permissions import (
    can_digitise,
)
from .documents import (
    Owner,
    _check_validity,
    _event,
    _owner_fields,
    _version_create,
    find_duplicate,
)

logger = logging.getLogger(__name__)


def _check_dossier_component(
    *, agency: Agency, owner: Owner, dossier_id: int | None, component_id: int | None
) -> None:
    """A job made for a dossier names one of its components, is done by an agency that received, handles or
    took part in the dossier, and stores the document for the dossier's own applicant (checked by the dossiers
    app, `DossierHooks.check_digitisation_target`)."""
    if dossier_id is None or component_id is None:
        raise ApplicationError("Cần chọn cả hồ sơ và thành phần hồ sơ được số hóa.", code="dossier_component")
    hooks = dossier_hooks()
    if hooks is None:
        raise ApplicationError("Không tìm thấy hồ sơ cần số hóa.", code="dossier_not_found")
    hooks.check_digitisation_target(
        agency=agency, owner=owner, dossier_id=dossier_id, component_id=component_id
    )


def digitisation_job_link_dossier(*, job_id: int) -> str:
    """Put the PDF of a finished job into the dossier component it was made for, marked digitised
    (TT 01/2023/TT-VPCP: thành phần hồ sơ được số hóa; counted by the KPI index, QĐ 766/QĐ-TTg 3.2).

    The dossiers app does it (`DossierHooks.attach_digitised`). Returns the job's link state: "linked", "refused"
    (the dossier said why, shown on the job), or "pending" while no dossiers app is registered or an unexpected
    error occurred (the nightly sweep retries).
    """
    with transaction.atomic():
        # Lock the job row only (the joined document is on the nullable side of an outer join).
        job = (
            DigitisationJob.objects.select_for_update(of=("self",))
            .select_related("output_document__current_version", "created_by")
            .get(pk=job_id)
        )
        if job.dossier_link != DossierLinkState.PENDING or job.status != JobStatus.DONE:
            return job.dossier_link
        document = job.output_document
        hooks = dossier_hooks()
        if hooks is None or document is None or document.current_version is None:
            return job.dossier_link
        try:
            with transaction.atomic():
                dossier_file = hooks.attach_digitised(
                    dossier_id=job.dossier_id,
                    component_id=job.component_id,
                    document=document,
                    version=document.current_version,
                    actor=job.created_by,
                )
        except ApplicationError as exc:
            job.dossier_link = DossierLinkState.REFUSED
            job.dossier_link_message = exc.message[:500]
            message = f"Hồ sơ không nhận tệp số hóa: {exc.message}"
        else:
            job.dossier_link = DossierLinkState.LINKED
            job.dossier_file_id = dossier_file.pk
            job.dossier_link_message = ""
            message = "Đã gắn tệp số hóa vào thành phần hồ sơ (đánh dấu được số hóa)."
        job.save(update_fields=["dossier_link", "dossier_file_id", "dossier_link_message"])
        _job_event(job, JobStatus.DONE, message)
        return job.dossier_link


def digitisation_jobs_link_pending(*, limit: int = 500) -> int:
    """Retry every finished job still waiting to be put into its dossier; returns how many were linked."""
    pending = DigitisationJob.objects.filter(
        status=JobStatus.DONE, dossier_link=DossierLinkState.PENDING
    ).values_list("pk", flat=True)[:limit]
    linked = 0
    for job_id in list(pending):
        try:
            linked += digitisation_job_link_dossier(job_id=job_id) == DossierLinkState.LINKED
        except Exception:  # noqa: BLE001 — one dossier's trouble must not stop the others
            logger.exception("Digitisation job %s: attaching to its dossier failed", job_id)
    return linked


def _job_event(job: DigitisationJob, status: str, message: str = "", actor: User | None = None) -> None:
    DigitisationEvent.objects.create(job=job, status=status, message=message, actor=actor)


def _enqueue_digitisation(job_id: int) -> None:
    from ..tasks import QUEUE, digitise_scans

    outbox.enqueue(digitise_scans, job_id, queue=QUEUE)


@transaction.atomic
def digitisation_job_create(
    *,
    actor: User,
    agency: Agency,
    owner: Owner,
    files: Sequence,
    document_type_code: str,
    document_type_name: str,
    title: str,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    dossier_id: int | None = None,
    component_id: int | None = None,
) -> DigitisationJob:
    """Queue the digitisation of a paper document handed in at the desk (TT 01/2023/TT-VPCP, Điều 5).

    The scans (images or PDFs, in page order) are checked and kept; a Celery job on the "digitisation" queue
    turns them into one PDF with a thumbnail and extracted text and stores it in the owner's Kho.
    """
    if not can_digitise(actor, agency):
        raise NotPermitted("Bạn không có nhiệm vụ số hóa tại cơ quan này.")
    if not files:
        raise ApplicationError("Cần ít nhất một tệp bản quét.", code="no_scans")
    _check_validity(valid_from, valid_to)
    if dossier_id is not None or component_id is not None:
        _check_dossier_component(agency=agency, owner=owner, dossier_id=dossier_id, component_id=component_id)
    checked = [check_upload(f, allowed=processing.SCAN_ALLOWED) for f in files]
    job = DigitisationJob.objects.create(
        agency=agency,
        created_by=actor,
        **_owner_fields(owner),
        document_type_code=document_type_code.strip(),
        document_type_name=document_type_name.strip(),
        title=title.strip(),
        number=number.strip(),
        issuer=issuer.strip(),
        issued_on=issued_on,
        valid_from=valid_from,
        valid_to=valid_to,
        dossier_id=dossier_id,
        component_id=component_id,
        dossier_link=DossierLinkState.PENDING if dossier_id is not None else DossierLinkState.NONE,
        step="Đang chờ xử lý",
    )
    for order, (upload, check) in enumerate(zip(files, checked, strict=True), start=1):
        upload.seek(0)
        item = DigitisationInput(
            job=job,
            order=order,
            original_name=getattr(upload, "name", f"trang-{order}")[:255],
            mime_type=check.mime_type,
            sha256=check.sha256,
            size=check.size,
        )
        item.file.save(getattr(upload, "name", f"trang-{order}.{check.extension}"), upload, save=False)
        item.save()
    _job_event(job, JobStatus.QUEUED, f"{len(files)} tệp bản quét", actor)
    _enqueue_digitisation(job.pk)
    return job


@transaction.atomic
def digitisation_job_retry(*, actor: User, job: DigitisationJob) -> DigitisationJob:
    """An officer runs a failed job again after fixing the cause (e.g. tesseract reinstalled), or a job
    whose task was lost before a worker took it (see `DigitisationJob.can_retry`)."""
    job = DigitisationJob.objects.select_for_update().get(pk=job.pk)
    if not can_digitise(actor, job.agency):
        raise NotPermitted("Bạn không có nhiệm vụ số hóa tại cơ quan này.")
    if not job.can_retry():
        raise Conflict("Chỉ chạy lại được việc số hóa đã thất bại hoặc chờ xử lý quá lâu.")
    job.status = JobStatus.QUEUED
    job.progress = 0
    job.step = "Đang chờ xử lý lại"
    job.save(update_fields=["status", "progress", "step"])
    _job_event(job, JobStatus.QUEUED, "Cán bộ yêu cầu chạy lại", actor)
    _enqueue_digitisation(job.pk)
    return job


def _job_progress(job_id: int, progress: int, step: str) -> None:
    # Committed at once (outside the job's final transaction) so that the officer's page sees it move.
    DigitisationJob.objects.filter(pk=job_id).update(progress=min(progress, 100), step=step[:200])


@transaction.atomic
def _job_claim(job_id: int) -> DigitisationJob | None:
    job = DigitisationJob.objects.select_for_update().filter(pk=job_id).first()
    # RUNNING is claimable again: with acks_late a job whose worker died is delivered once more.
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RETRYING, JobStatus.RUNNING):
        return None
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.started_at = timezone.now()
    job.step = "Bắt đầu xử lý"
    job.save(update_fields=["status", "attempts", "started_at", "step"])
    _job_event(job, JobStatus.RUNNING, f"Lần chạy thứ {job.attempts}")
    return job


@dataclass
class _Digitised:
    pdf: bytes
    text: str
    text_method: str


def _digitise(job: DigitisationJob) -> _Digitised:
    inputs = list(job.inputs.all())
    parts = []
    for index, item in enumerate(inputs, start=1):
        with item.file.open("rb") as handle:
            parts.append((handle.read(), item.mime_type))
        _job_progress(job.pk, 5 + 20 * index // len(inputs), f"Đã đọc {index}/{len(inputs)} tệp")
    pdf = processing.images_and_pdfs_to_pdf(parts)
    _job_progress(job.pk, 40, "Đã chuyển thành PDF")

    def on_page(done: int, total: int) -> None:
        _job_progress(job.pk, 40 + 50 * done // total, f"Nhận dạng chữ trang {done}/{total}")

    extracted = processing.extract_text(pdf, on_page=on_page)
    _job_progress(job.pk, 92, "Đang lưu vào Kho dữ liệu")
    return _Digitised(pdf=pdf, text=extracted.text, text_method=extracted.method)


@transaction.atomic
def _job_complete(job_id: int, result: _Digitised) -> DigitisationJob:
    import hashlib

    job = DigitisationJob.objects.select_for_update().get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return job
    owner = job.owner
    input_hashes = list(job.inputs.values_list("sha256", flat=True))
    output_hash = hashlib.sha256(result.pdf).hexdigest()
    existing = find_duplicate(owner=owner, sha256s=[output_hash, *input_hashes]) or _same_scans_done(job)
    if existing is not None:
        job.output_document = existing
        job.duplicate = True
        message = f"Trùng giấy tờ đã có trong Kho: “{existing.title}”; không tạo bản mới."
    else:
        document = StoredDocument.objects.create(
            **_owner_fields(owner),
            document_type_code=job.document_type_code,
            document_type_name=job.document_type_name,
            title=job.title,
            number=job.number,
            source=job.source,
            issuer=job.issuer,
            issued_on=job.issued_on,
            valid_from=job.valid_from,
            valid_to=job.valid_to,
            origin_dossier_id=job.dossier_id,
            digitised_by_agency=job.agency,
            created_by=job.created_by,
        )
        _version_create(
            document=document,
            data=result.pdf,
            original_name=f"so-hoa-{job.pk}.pdf",
            mime_type="application/pdf",
            actor=job.created_by,
            extracted_text=result.text,
            text_extraction=result.text_method,
            note=f"Số hóa từ {len(input_hashes)} tệp bản quét",
        )
        _event(
            document, DocumentEventKind.CREATED, job.created_by, source=job.source, digitisation_job=job.pk
        )
        job.output_document = document
        message = "Đã lưu vào Kho dữ liệu."
        if result.text_method == TextExtraction.OCR_UNAVAILABLE:
            message += " Máy chủ chưa cài tesseract nên chưa nhận dạng chữ."
    job.status = JobStatus.DONE
    job.progress = 100
    job.step = "Hoàn thành"
    job.error = ""
    job.finished_at = timezone.now()
    job.save()
    _job_event(job, JobStatus.DONE, message)
    return job


def _same_scans_done(job: DigitisationJob) -> StoredDocument | None:
    """An earlier finished job for the same owner with exactly the same scans."""
    hashes = sorted(job.inputs.values_list("sha256", flat=True))
    owner_filter = (
        Q(owner_user=job.owner_user) if job.owner_user_id else Q(owner_organisation=job.owner_organisation)
    )
    earlier = (
        DigitisationJob.objects.filter(owner_filter, status=JobStatus.DONE, output_document__isnull=False)
        .filter(output_document__deleted_at__isnull=True)
        .exclude(pk=job.pk)
        .prefetch_related("inputs")
    )
    for other in earlier:
        if sorted(i.sha256 for i in other.inputs.all()) == hashes:
            return other.output_document
    return None


@transaction.atomic
def _job_fail(job_id: int, message: str, *, final: bool) -> None:
    job = DigitisationJob.objects.select_for_update().get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return
    job.status = JobStatus.FAILED if final else JobStatus.RETRYING
    job.error = message
    job.step = "Thất bại" if final else "Sẽ tự thử lại"
    if final:
        job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "step", "finished_at"])
    _job_event(job, job.status, message)


def digitisation_job_run(*, job_id: int, final_attempt: bool = True) -> str:
    """Do one attempt of a digitisation job. Returns "done", "failed", "retry" or "skipped" (already finished).

    Unreadable scans fail at once (retrying cannot help); any other error is retried by the task with
    backoff, and the last attempt's error is shown to the officer.
    """
    job = _job_claim(job_id)
    if job is None:
        return "skipped"
    try:
        result = _digitise(job)
        _job_complete(job.pk, result)
    except (processing.ScanUnreadable, ApplicationError) as exc:
        _job_fail(job.pk, str(exc), final=True)
        return "failed"
    except Exception as exc:  # noqa: BLE001 — anything else may be transient (storage, OCR engine)
        logger.exception("Digitisation job %s failed (attempt %s)", job.pk, job.attempts)
        detail = f"{type(exc).__name__}: {exc}"
        if final_attempt:
            _job_fail(job.pk, f"Không xử lý được sau {job.attempts} lần chạy. Lỗi: {detail}", final=True)
            return "failed"
        _job_fail(job.pk, f"Lần chạy thứ {job.attempts} lỗi ({detail}); hệ thống sẽ tự thử lại.", final=False)
        return "retry"
    # The document is safely in the owner's Kho now; putting it into the dossier is a step of its own, so that
    # trouble on the dossier side never undoes the digitisation (the nightly sweep tries again).
    if job.dossier_id is not None:
        try:
            digitisation_job_link_dossier(job_id=job.pk)
        except Exception:  # noqa: BLE001 — left pending, retried by archive_sweep
            logger.exception("Digitisation job %s: attaching to dossier %s failed", job.pk, job.dossier_id)
    return "done"
