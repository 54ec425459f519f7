from django.db import models
from django.utils.translation import gettext_lazy as _

# The questions of the national satisfaction form (QĐ 766/QĐ-TTg, nhóm chỉ số mức độ hài lòng), in order:
# (model field, question shown to the person).
QUESTIONS = (
    ("ease_of_access", _("Việc tiếp cận dịch vụ (nộp hồ sơ, liên hệ cơ quan) có thuận tiện không?")),
    ("publicity", _("Thủ tục hành chính có được công khai đầy đủ, dễ hiểu không?")),
    ("officer_attitude", _("Thái độ, tinh thần phục vụ của cán bộ, công chức?")),
    ("timeliness", _("Thời gian giải quyết có đúng hẹn không?")),
    ("result", _("Kết quả giải quyết có đúng quy định, chính xác không?")),
)

RATINGS = (
    (5, _("Rất hài lòng")),
    (4, _("Hài lòng")),
    (3, _("Bình thường")),
    (2, _("Không hài lòng")),
    (1, _("Rất không hài lòng")),
)


class SurveyChannel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    DESK = "desk", _("Tại bộ phận một cửa")
