from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentSource(models.TextChoices):
    """Where a stored document came from (NĐ 45/2020/NĐ-CP, Điều 16)."""

    UPLOADED = "uploaded", _("Tự tải lên")
    DIGITISED = "digitised", _("Số hóa tại bộ phận một cửa")
    ISSUED_RESULT = "issued_result", _("Kết quả giải quyết TTHC")
    NATIONAL_DATABASE = "national_database", _("Cơ sở dữ liệu quốc gia")
    BACKFILE = "backfile", _("Số hóa kết quả đã cấp trước đây")
    PAYMENT_RECEIPT = "payment_receipt", _("Biên lai thu phí, lệ phí điện tử")


# Sources whose documents the owner may delete. Results and documents digitised by an agency are records of
# the State and stay (they can be revoked by the agency, not erased by the holder).
OWNER_DELETABLE_SOURCES = (DocumentSource.UPLOADED,)


class ValidityFilter(models.TextChoices):
    VALID = "valid", _("Còn hiệu lực")
    EXPIRED = "expired", _("Hết hiệu lực")
    REVOKED = "revoked", _("Đã thu hồi")


class DocumentEventKind(models.TextChoices):
    CREATED = "created", _("Tạo mới")
    VERSION_ADDED = "version_added", _("Thêm phiên bản")
    CONSENT_CHANGED = "consent_changed", _("Thay đổi đồng ý chia sẻ")
    USED = "used", _("Sử dụng trong hồ sơ")
    REVOKED = "revoked", _("Thu hồi")
    DELETED = "deleted", _("Xóa")


class AccessPurpose(models.TextChoices):
    DOWNLOAD = "download", _("Tải về")
    PREVIEW = "preview", _("Xem trước")
    THUMBNAIL = "thumbnail", _("Ảnh thu nhỏ")
    ARCHIVE = "archive", _("Khai thác hồ sơ lưu trữ")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang xử lý")
    RETRYING = "retrying", _("Lỗi, đang thử lại")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Thất bại")


FINISHED_JOB_STATUSES = (JobStatus.DONE, JobStatus.FAILED)
# Celery name of the digitisation task (repository.tasks.digitise_scans).
DIGITISE_TASK = "repository.digitise_scans"


class TextExtraction(models.TextChoices):
    NONE = "none", _("Chưa trích xuất")
    PDF_TEXT = "pdf_text", _("Lớp chữ có sẵn trong PDF")
    OCR = "ocr", _("Nhận dạng ký tự (OCR)")
    OCR_UNAVAILABLE = "ocr_unavailable", _("Không có công cụ OCR trên máy chủ")


class BackfileRowStatus(models.TextChoices):
    MATCHED = "matched", _("Đã nhập vào Kho")
    REJECTED = "rejected", _("Bị từ chối")
    DUPLICATE = "duplicate", _("Đã có trong Kho")


class VerificationStatus(models.TextChoices):
    VALID = "valid", _("Hợp lệ")
    TAMPERED = "tampered", _("Đã bị sửa đổi sau khi ký")
    UNKNOWN_SIGNER = "unknown_signer", _("Không xác định được người ký")
    REVOKED = "revoked", _("Đã bị thu hồi")
    EXPIRED = "expired", _("Đã hết hiệu lực")
    UNSIGNED = "unsigned", _("Không có chữ ký số")


class DossierLinkState(models.TextChoices):
    """Whether a digitisation job made for a dossier component has put its PDF into that dossier."""

    NONE = "", _("Không gắn với hồ sơ")
    PENDING = "pending", _("Chờ gắn vào hồ sơ")
    LINKED = "linked", _("Đã gắn vào hồ sơ")
    REFUSED = "refused", _("Hồ sơ không nhận tệp số hóa")
