"""Kinds of notification, channels and delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SUBMITTED = "submitted", _("Đã nộp hồ sơ trực tuyến")
    RECEIVED = "received", _("Hồ sơ đã được tiếp nhận")
    REFUSED = "refused", _("Hồ sơ bị từ chối tiếp nhận")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    SUPPLEMENT_ACCEPTED = "supplement_accepted", _("Đã nhận hồ sơ bổ sung")
    FEE_DUE = "fee_due", _("Yêu cầu nộp phí, lệ phí")
    FEE_PAID = "fee_paid", _("Đã ghi nhận thanh toán")
    FEE_EXEMPTION_REFUSED = "fee_exemption_refused", _("Không được miễn, giảm phí, lệ phí")
    APOLOGY = "apology", _("Xin lỗi và hẹn lại ngày trả kết quả")
    TRANSFERRED = "transferred", _("Hồ sơ được chuyển liên thông")
    RESULT_READY = "result_ready", _("Đã có kết quả giải quyết")
    DELIVERED = "delivered", _("Đã trả kết quả")
    OFFICER_MESSAGE = "officer_message", _("Tin nhắn từ cán bộ")
    DEADLINE_DIGEST = "deadline_digest", _("Hồ sơ sắp đến hạn, quá hạn (cán bộ)")
    SURVEY_INVITATION = "survey_invitation", _("Mời đánh giá mức độ hài lòng")
    CONTACT_CODE = "contact_code", _("Mã xác minh số điện thoại, thư điện tử")
    FEEDBACK_RECEIVED = "feedback_received", _("Đã tiếp nhận phản ánh, kiến nghị")
    FEEDBACK_ASSIGNED = "feedback_assigned", _("Được giao xử lý phản ánh (cán bộ)")
    FEEDBACK_ANSWERED = "feedback_answered", _("Phản ánh, kiến nghị đã được trả lời")
    FEEDBACK_ESCALATED = "feedback_escalated", _("Phản ánh quá hạn chưa trả lời (lãnh đạo)")
    APPOINTMENT_CONFIRMED = "appointment_confirmed", _("Xác nhận lịch hẹn")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("Đã hủy lịch hẹn")
    TICKET_CALLED = "ticket_called", _("Đến lượt tại quầy")


# Kinds a person may not turn off or choose channels for: sent to the address being verified, or by SMS to the
# phone given when booking a desk appointment.
SYSTEM_KINDS = frozenset(
    {Kind.CONTACT_CODE, Kind.APPOINTMENT_CONFIRMED, Kind.APPOINTMENT_CANCELLED, Kind.TICKET_CALLED}
)
# Kinds only officers receive.
OFFICER_KINDS = frozenset({Kind.DEADLINE_DIGEST, Kind.FEEDBACK_ASSIGNED, Kind.FEEDBACK_ESCALATED})


class Channel(models.TextChoices):
    INBOX = "inbox", _("Hộp thư trên cổng")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")
    EMAIL = "email", _("Thư điện tử")


# Channels that need a verified contact: the phone for SMS and Zalo, the address for e-mail.
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.ZALO})


class Status(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    DELIVERED = "delivered", _("Đã nhận")
    FAILED = "failed", _("Gửi không thành công")
    CANCELLED = "cancelled", _("Đã hủy")


OPEN_STATUSES = frozenset({Status.PENDING, Status.SENDING})


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Số điện thoại")
    EMAIL = "email", _("Thư điện tử")


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Đã gửi")
    RETRY = "retry", _("Lỗi tạm thời, sẽ gửi lại")
    FAILED = "failed", _("Lỗi, không gửi lại")
    FALLBACK = "fallback", _("Chuyển sang SMS")
    DELIVERED = "delivered", _("Nhà cung cấp báo đã đến người nhận")
    UNDELIVERED = "undelivered", _("Nhà cung cấp báo không đến được người nhận")


class Provider(models.TextChoices):
    """The providers whose delivery reports the portal receives, and the channel of each."""

    ESMS = "esms", "eSMS"
    ZALO = "zalo", "Zalo ZNS"


CHANNEL_OF_PROVIDER = {Provider.ESMS: Channel.SMS, Provider.ZALO: Channel.ZALO}


class ReportOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Đã đến người nhận")
    FAILED = "failed", _("Không đến được người nhận")
