from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.IntegerChoices):
    """KenhThucHien of the national portal."""

    COUNTER = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính công ích")


class ServiceLevel(models.TextChoices):
    FULL_ONLINE = "full_online", _("Toàn trình")
    PARTIAL_ONLINE = "partial_online", _("Một phần")
    COUNTER_ONLY = "counter_only", _("Trực tiếp")


class TargetGroup(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")
    BOTH = "both", _("Công dân, tổ chức")


class ImplementationLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")
    SECTORAL = "sectoral", _("Cơ quan ngành dọc")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")


class CopyType(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    CERTIFIED_COPY = "certified_copy", _("Bản sao chứng thực")
    COPY = "copy", _("Bản sao")
    ORIGINAL_OR_COPY = "original_or_copy", _("Bản chính hoặc bản sao")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    PUBLISHED = "published", _("Đang áp dụng")
    RETIRED = "retired", _("Hết hiệu lực")


class VersionSource(models.TextChoices):
    LOCAL = "local", _("Cán bộ nhập")
    IMPORT = "import", _("Nhập từ tệp")
    NATIONAL = "national", _("CSDL quốc gia về TTHC")


class ProcedureEventKind(models.TextChoices):
    CREATED = "created", _("Tạo thủ tục")
    DRAFTED = "drafted", _("Tạo dự thảo phiên bản")
    DRAFT_EDITED = "draft_edited", _("Sửa dự thảo phiên bản")
    PUBLISHED = "published", _("Công bố phiên bản")
    SUPERSEDED = "superseded", _("Phiên bản bị thay thế")
    RETIRED = "retired", _("Bãi bỏ thủ tục")
    IMPORTED = "imported", _("Nhập danh mục")
    SYNC_ADDED = "sync_added", _("Đồng bộ: thủ tục mới")
    SYNC_CHANGED = "sync_changed", _("Đồng bộ: thủ tục thay đổi")
    SYNC_RETIRED = "sync_retired", _("Đồng bộ: thủ tục bãi bỏ")


class SyncStatus(models.TextChoices):
    RUNNING = "running", _("Đang chạy")
    SUCCEEDED = "succeeded", _("Thành công")
    FAILED = "failed", _("Thất bại")


# Statuses of versions that were published (in force, or in force in the past).
APPLIED_STATUSES_VALUES = (VersionStatus.PUBLISHED.value, VersionStatus.RETIRED.value)
