from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedbackCategory(models.TextChoices):
    POLICY = "policy", _("Quy định, chính sách")
    PROCEDURE = "procedure", _("Thủ tục hành chính")
    OFFICER_CONDUCT = "officer_conduct", _("Hành vi, thái độ của cán bộ, công chức")
    WEBSITE = "website", _("Cổng dịch vụ công, hệ thống thông tin")


class FeedbackState(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")


class FeedbackAction(models.TextChoices):
    FILED = "filed", _("Gửi phản ánh, kiến nghị")
    ROUTED = "routed", _("Chuyển cơ quan có thẩm quyền")
    ASSIGNED = "assigned", _("Phân công xử lý")
    ANSWERED = "answered", _("Trả lời")
    ESCALATED = "escalated", _("Quá hạn, báo cáo lãnh đạo đơn vị")
