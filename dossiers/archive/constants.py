"""Choices of the dossier archive (Kho dữ liệu hồ sơ TTHC)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionScope(models.TextChoices):
    """What a retention rule applies to; the most specific matching rules decide (see dossiers.archive.retention)."""

    DEFAULT = "default", _("Mọi hồ sơ (mặc định)")
    FIELD = "field", _("Hồ sơ thuộc lĩnh vực")
    RESULT_TYPE = "result_type", _("Hồ sơ có kết quả thuộc loại")


class ArchiveItemKind(models.TextChoices):
    """The parts of a dossier kept in Kho dữ liệu hồ sơ TTHC."""

    DOSSIER_FILE = "dossier_file", _("Thành phần hồ sơ")
    PRINTED_FORM = "printed_form", _("Phiếu và văn bản do cơ quan lập cho hồ sơ")
    MESSAGE_FILE = "message_file", _("Tệp đính kèm trao đổi với người nộp")
    TRANSFER_FILE = "transfer_file", _("Kết quả phối hợp liên thông")
    RESULT = "result", _("Kết quả giải quyết")
    KHO_DOCUMENT = "kho_document", _("Giấy tờ trong Kho dữ liệu của người nộp")
    PACKAGE = "package", _("Gói lưu trữ hồ sơ (.zip)")


class RetentionDue(models.TextChoices):
    """Filter of the archive list by where a dossier stands against its retention period."""

    EXPIRED = "expired", _("Đã hết thời hạn bảo quản")
    WITHIN_YEAR = "within_year", _("Hết hạn trong 12 tháng tới")
    PERMANENT = "permanent", _("Bảo quản vĩnh viễn")
    PENDING = "pending", _("Chưa tính (hồ sơ chưa kết thúc)")
