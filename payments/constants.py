from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    EXPIRED = "expired", _("Hết hạn")
    PARTIALLY_REFUNDED = "partially_refunded", _("Đã hoàn một phần")
    REFUNDED = "refunded", _("Đã hoàn tiền")


SETTLED = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


class PaymentKind(models.TextChoices):
    FILING = "filing", _("Phí, lệ phí khi nộp hồ sơ")
    OBLIGATION = "obligation", _("Nghĩa vụ tài chính sau thẩm định")


class Provider(models.TextChoices):
    VNPAY = "vnpay", _("VNPay")
    NATIONAL = "national", _("Nền tảng thanh toán Cổng DVC quốc gia")
    VIETQR = "vietqr", _("Chuyển khoản VietQR")


class EventKind(models.TextChoices):
    START = "start", _("Tạo giao dịch")
    RETURN = "return", _("Trình duyệt quay về")
    NOTIFICATION = "notification", _("Thông báo từ đơn vị thanh toán")
    QUERY = "query", _("Truy vấn trạng thái")
    REFUND = "refund", _("Hoàn tiền")
    RECEIPT = "receipt", _("Phát hành biên lai")
    EXPIRE = "expire", _("Hết hạn")


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Đã ghi nhận")
    FAILED = "failed", _("Ghi nhận không thành công")
    DUPLICATE = "duplicate", _("Trùng, đã xác nhận trước đó")
    FORGED = "forged", _("Sai chữ ký")
    WRONG_MERCHANT = "wrong_merchant", _("Sai mã đơn vị")
    UNKNOWN_REFERENCE = "unknown_reference", _("Không có giao dịch")
    WRONG_AMOUNT = "wrong_amount", _("Sai số tiền")
    INFO = "info", _("Thông tin")
    ERROR = "error", _("Lỗi")


class TransferStatus(models.TextChoices):
    REVIEW = "review", _("Chờ kế toán xem xét")
    RESOLVED = "resolved", _("Đã xử lý")
