"""Kho dữ liệu: the documents each person or organisation holds, their versions, uses and reads.

NĐ 45/2020/NĐ-CP (Điều 16) and TT 01/2023/TT-VPCP: every document records its owner, type, source, file,
checksum, signature information, issuer, validity, originating dossier, version and consent to reuse.
Files are never served from a public URL; every read goes through a permission check and is logged.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import outbox
from portal.append_only import AppendOnlyModel
from portal.models import Organisation

from .constants import (
    DIGITISE_TASK,
    OWNER_DELETABLE_SOURCES,
    AccessPurpose,
    BackfileRowStatus,
    DocumentEventKind,
    DocumentSource,
    DossierLinkState,
    JobStatus,
    TextExtraction,
)
from .verification_codes import new_code


def _stored_path(folder: str, filename: str) -> str:
    # Random names: a leaked path reveals nothing about the owner and cannot be guessed.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = timezone.localdate()
    return f"{folder}/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"


def document_file_path(instance, filename: str) -> str:
    return _stored_path("kho/tai-lieu", filename)


def thumbnail_path(instance, filename: str) -> str:
    return _stored_path("kho/anh-thu-nho", filename)


def scan_path(instance, filename: str) -> str:
    return _stored_path("kho/ban-quet", filename)


def backfile_path(instance, filename: str) -> str:
    return _stored_path("kho/so-hoa-lo", filename)


VALIDITY_LABELS = {
    "revoked": _("Đã thu hồi"),
    "expired": _("Hết hiệu lực"),
    "not_yet": _("Chưa có hiệu lực"),
    "valid": _("Còn hiệu lực"),
}


def new_token() -> str:
    return secrets.token_urlsafe(18)


class StoredDocumentQuerySet(models.QuerySet):
    def visible(self) -> StoredDocumentQuerySet:
        return self.filter(deleted_at__isnull=True)

    def owned_by(self, owner) -> StoredDocumentQuerySet:
        if isinstance(owner, Organisation):
            return self.filter(owner_organisation=owner)
        return self.filter(owner_user=owner)

    def valid_on(self, on: dt.date) -> StoredDocumentQuerySet:
        """In force on `on`: not revoked, started, not ended (valid_to is the last valid day)."""
        return self.filter(revoked_at__isnull=True).filter(
            (Q(valid_from__isnull=True) | Q(valid_from__lte=on))
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        )

    def expired_on(self, on: dt.date) -> StoredDocumentQuerySet:
        return self.filter(revoked_at__isnull=True, valid_to__lt=on)


class StoredDocument(models.Model):
    """One document in a person's or organisation's Kho dữ liệu. Content lives in its versions."""

    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_documents",
        verbose_name=_("công dân sở hữu"),
    )
    owner_organisation = models.ForeignKey(
        "portal.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_documents",
        verbose_name=_("tổ chức sở hữu"),
    )
    document_type_code = models.CharField(
        _("mã loại giấy tờ"),
        max_length=60,
        db_index=True,
        help_text=_("Mã thành phần hồ sơ hoặc mã loại kết quả"),
    )
    document_type_name = models.CharField(_("loại giấy tờ"), max_length=300)
    title = models.CharField(_("tên giấy tờ"), max_length=300)
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    source = models.CharField(_("nguồn"), max_length=24, choices=DocumentSource.choices)
    issuer = models.CharField(_("cơ quan, người cấp"), max_length=300, blank=True)
    issuing_agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_documents",
        verbose_name=_("cơ quan cấp"),
    )
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    valid_from = models.DateField(_("hiệu lực từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến hết ngày"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=500, blank=True)
    consent_to_reuse = models.BooleanField(
        _("đồng ý sử dụng lại khi làm thủ tục"),
        default=True,
        help_text=_("Cho phép chọn giấy tờ này khi nộp hồ sơ thay cho việc tải lên lại."),
    )
    # The dossier this document came from (a result, or a component digitised at intake). A plain id until
    # the dossiers app publishes its model; a foreign key can replace it without changing the API.
    origin_dossier_id = models.BigIntegerField(_("hồ sơ gốc"), null=True, blank=True, db_index=True)
    # Set on documents produced by a digitisation job or back-file batch of an agency.
    digitised_by_agency = models.ForeignKey(
        "portal.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="digitised_documents",
        verbose_name=_("cơ quan số hóa"),
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("phiên bản hiện hành"),
    )
    # Secret half of the public verification link printed in the QR code; the id alone reveals nothing.
    verification_token = models.CharField(max_length=32, default=new_token, unique=True, editable=False)
    # The short code printed under the QR code (`K7QM-X4PA-R9TC`, see verification_codes.py); documents
    # printed before it existed keep being found by `<id>-<token>`.
    verification_code = models.CharField(
        _("mã xác thực"), max_length=12, default=new_code, unique=True, null=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("ngày đưa vào Kho"), default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = StoredDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("giấy tờ trong Kho dữ liệu")
        verbose_name_plural = _("giấy tờ trong Kho dữ liệu")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False) & Q(owner_organisation__isnull=True))
                | (Q(owner_user__isnull=True) & Q(owner_organisation__isnull=False)),
                name="stored_document_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="stored_document_validity_order",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_user", "document_type_code"], name="kho_user_type"),
            models.Index(fields=["owner_organisation", "document_type_code"], name="kho_org_type"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self):
        return self.owner_user or self.owner_organisation

    @property
    def owner_label(self) -> str:
        return str(self.owner)

    def is_valid_on(self, on: dt.date) -> bool:
        if self.revoked_at is not None:
            return False
        if self.valid_from and self.valid_from > on:
            return False
        return not (self.valid_to and self.valid_to < on)

    def validity_state(self, on: dt.date | None = None) -> str:
        """ "revoked", "expired", "not_yet" or "valid" on `on` (today by default)."""
        on = on or timezone.localdate()
        if self.revoked_at:
            return "revoked"
        if self.valid_to and self.valid_to < on:
            return "expired"
        if self.valid_from and self.valid_from > on:
            return "not_yet"
        return "valid"

    def validity_label(self, on: dt.date | None = None) -> str:
        return str(VALIDITY_LABELS[self.validity_state(on)])

    def can_be_deleted_by_owner(self) -> bool:
        return self.source in OWNER_DELETABLE_SOURCES and self.deleted_at is None


class DocumentVersion(models.Model):
    """One immutable content of a document: written once, never updated. A new file is a new version."""

    document = models.ForeignKey(StoredDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    file = models.FileField(_("tệp"), upload_to=document_file_path, max_length=300)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, db_index=True)
    mime_type = models.CharField(_("định dạng"), max_length=120)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    page_count = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    extracted_text = models.TextField(_("nội dung trích xuất"), blank=True)
    text_extraction = models.CharField(
        _("cách trích xuất nội dung"),
        max_length=20,
        choices=TextExtraction.choices,
        default=TextExtraction.NONE,
    )
    thumbnail = models.FileField(_("ảnh thu nhỏ"), upload_to=thumbnail_path, blank=True, max_length=300)
    signature_info = models.JSONField(_("thông tin chữ ký số"), default=dict, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("phiên bản giấy tờ")
        verbose_name_plural = _("phiên bản giấy tờ")
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_document_version")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    @property
    def is_pdf(self) -> bool:
        return self.mime_type == "application/pdf"

    @property
    def is_signed(self) -> bool:
        return bool(self.signature_info.get("signed"))


class DocumentEvent(AppendOnlyModel):
    """Append-only history of a stored document."""

    document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=DocumentEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%d/%m/%Y %H:%M}"


class DocumentUse(models.Model):
    """A dossier component that took this document from the store instead of a new upload (once-only)."""

    document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="uses")
    version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="uses")
    # Plain ids until the dossiers app publishes its models.
    dossier_id = models.BigIntegerField(_("hồ sơ"), db_index=True)
    component_id = models.BigIntegerField(_("thành phần hồ sơ"))
    used_at = models.DateTimeField(_("sử dụng lúc"), default=timezone.now)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("lần sử dụng giấy tờ")
        verbose_name_plural = _("lần sử dụng giấy tờ")
        ordering = ["-used_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "dossier_id", "component_id"], name="uniq_document_use"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} → hồ sơ {self.dossier_id}"


class DocumentAccessLog(AppendOnlyModel):
    """Who read whose document, when and why. Written for every read, by the owner or an officer."""

    document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="access_logs")
    version = models.ForeignKey(DocumentVersion, null=True, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organisation = models.ForeignKey(
        "portal.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    accessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_reads"
    )
    accessed_at = models.DateTimeField(default=timezone.now, db_index=True)
    purpose = models.CharField(max_length=16, choices=AccessPurpose.choices)
    by_owner = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("nhật ký truy cập giấy tờ")
        verbose_name_plural = _("nhật ký truy cập giấy tờ")
        ordering = ["-accessed_at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.accessed_by} đọc {self.document} ({timezone.localtime(self.accessed_at):%d/%m/%Y %H:%M})"
        )


class DigitisationJob(models.Model):
    """Số hóa: scans of one paper document turned into a stored PDF for its owner (TT 01/2023/TT-VPCP)."""

    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="digitisation_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organisation = models.ForeignKey(
        "portal.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_type_code = models.CharField(_("mã loại giấy tờ"), max_length=60)
    document_type_name = models.CharField(_("loại giấy tờ"), max_length=300)
    title = models.CharField(_("tên giấy tờ"), max_length=300)
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    issuer = models.CharField(_("cơ quan cấp"), max_length=300, blank=True)
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    valid_from = models.DateField(_("hiệu lực từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến hết ngày"), null=True, blank=True)
    source = models.CharField(max_length=24, choices=DocumentSource.choices, default=DocumentSource.DIGITISED)
    dossier_id = models.BigIntegerField(null=True, blank=True)
    component_id = models.BigIntegerField(null=True, blank=True)
    # A job made for one component of a dossier puts its PDF into that dossier when it completes, through the
    # hook `dossiers.services.dossier_file_attach_digitised` (see services.digitisation_job_link_dossier).
    dossier_link = models.CharField(
        _("gắn vào hồ sơ"), max_length=16, choices=DossierLinkState.choices, blank=True, default=""
    )
    dossier_file_id = models.BigIntegerField(_("tệp trong hồ sơ"), null=True, blank=True)
    dossier_link_message = models.CharField(max_length=500, blank=True)

    status = models.CharField(
        _("trạng thái"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    step = models.CharField(_("bước"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    output_document = models.ForeignKey(
        StoredDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="digitisation_jobs"
    )
    duplicate = models.BooleanField(_("trùng giấy tờ đã có"), default=False)

    class Meta:
        verbose_name = _("việc số hóa")
        verbose_name_plural = _("việc số hóa")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_user__isnull=False) & Q(owner_organisation__isnull=True))
                | (Q(owner_user__isnull=True) & Q(owner_organisation__isnull=False)),
                name="digitisation_job_one_owner",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="digitisation_progress_max"),
        ]

    def __str__(self) -> str:
        return f"Số hóa #{self.pk} — {self.title}"

    @property
    def owner(self):
        return self.owner_user or self.owner_organisation

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def can_retry(self, *, now: dt.datetime | None = None) -> bool:
        """A failed job; or one still waiting for a worker whose task is evidently lost: never handed to the
        broker (its outbox row is pending) or queued longer than `DIGITISATION_REQUEUE_AFTER_MINUTES` ago.
        Running it again is safe: the task skips a job that has already finished."""
        if self.status == JobStatus.FAILED:
            return True
        if self.status != JobStatus.QUEUED:
            return False
        if outbox.is_pending(DIGITISE_TASK, self.pk):
            return True
        queued = (
            self.events.filter(status=JobStatus.QUEUED).order_by("-at").values_list("at", flat=True).first()
        )
        waited = dt.timedelta(minutes=settings.DIGITISATION_REQUEUE_AFTER_MINUTES)
        return (queued or self.created_at) <= (now or timezone.now()) - waited


class DigitisationInput(models.Model):
    """One scanned page or file given to a digitisation job, in order."""

    job = models.ForeignKey(DigitisationJob, on_delete=models.CASCADE, related_name="inputs")
    order = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=scan_path, max_length=300)
    original_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["job", "order"]
        constraints = [models.UniqueConstraint(fields=["job", "order"], name="uniq_input_order")]

    def __str__(self) -> str:
        return self.original_name


class DigitisationEvent(AppendOnlyModel):
    """Append-only history of a digitisation job: queued, started, retried, failed, finished."""

    job = models.ForeignKey(DigitisationJob, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=JobStatus.choices)
    message = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {timezone.localtime(self.at):%d/%m/%Y %H:%M}"


class BackfileBatch(models.Model):
    """Back-file digitisation: a zip of scans of old, still-valid results and a CSV describing them."""

    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="backfile_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    archive = models.FileField(_("tệp nén bản quét (.zip)"), upload_to=backfile_path, max_length=300)
    metadata = models.FileField(_("tệp thông tin (.csv)"), upload_to=backfile_path, max_length=300)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lô số hóa kết quả cũ")
        verbose_name_plural = _("lô số hóa kết quả cũ")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="backfile_progress_max")]

    def __str__(self) -> str:
        return f"Lô #{self.pk} ({timezone.localtime(self.created_at):%d/%m/%Y})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class BackfileRow(models.Model):
    """The outcome of one CSV row: matched to an owner and stored, a duplicate, or rejected with the reason."""

    batch = models.ForeignKey(BackfileBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("dòng"))
    file_name = models.CharField(_("tệp"), max_length=255, blank=True)
    owner_identifier = models.CharField(_("số định danh chủ sở hữu"), max_length=20, blank=True)
    document_type_code = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=BackfileRowStatus.choices)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)
    document = models.ForeignKey(
        StoredDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="uniq_backfile_row")]

    def __str__(self) -> str:
        return f"Dòng {self.row_number}: {self.get_status_display()}"


class SigningCertificate(models.Model):
    """An agency's signing certificate. The private key stays in PKI_DIR, never in the database."""

    agency = models.ForeignKey("portal.Agency", on_delete=models.PROTECT, related_name="signing_certificates")
    serial_number = models.CharField(_("số sê-ri"), max_length=64)
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    subject = models.CharField(_("chủ thể"), max_length=500)
    issuer = models.CharField(_("tổ chức cấp"), max_length=500)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    certificate_pem = models.TextField()
    key_path = models.CharField(_("tệp khóa bí mật"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("chứng thư ký số")
        verbose_name_plural = _("chứng thư ký số")
        ordering = ["agency", "-not_after"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial_number})"

    def is_usable(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.not_before <= at < self.not_after
