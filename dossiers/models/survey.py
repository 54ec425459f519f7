"""Satisfaction survey answers: one per delivered dossier (the national form's five questions, 1–5)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..survey.constants import QUESTIONS, SurveyChannel


def _rating(label):
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class SatisfactionSurvey(models.Model):
    """The person's rating of one dossier's service, given once after the result was delivered. The agency and
    the desk officer are copied from the dossier when it is answered, so results per agency and per officer
    stay as they were even if the dossier later moves."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="survey", verbose_name=_("hồ sơ")
    )
    agency = models.ForeignKey(
        "portal.Agency",
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("cơ quan giải quyết"),
    )
    desk_agency = models.ForeignKey(
        "portal.Agency",
        on_delete=models.PROTECT,
        related_name="desk_surveys",
        verbose_name=_("nơi tiếp nhận"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys_about",
        verbose_name=_("cán bộ tiếp nhận"),
    )
    ease_of_access = _rating(_("tiếp cận dịch vụ"))
    publicity = _rating(_("công khai thủ tục"))
    officer_attitude = _rating(_("thái độ cán bộ"))
    timeliness = _rating(_("thời gian giải quyết"))
    result = _rating(_("kết quả giải quyết"))
    comment = models.TextField(_("góp ý"), blank=True, max_length=2000)
    channel = models.CharField(_("hình thức"), max_length=12, choices=SurveyChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ đưa máy tính bảng"),
    )
    answered_at = models.DateTimeField(_("thời điểm đánh giá"), db_index=True)

    class Meta:
        verbose_name = _("phiếu đánh giá mức độ hài lòng")
        verbose_name_plural = _("phiếu đánh giá mức độ hài lòng")
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 1}) & Q(**{f"{name}__lte": 5}), name=f"survey_{name}_1_to_5"
            )
            for name, _label in QUESTIONS
        ]

    def __str__(self) -> str:
        return f"{self.dossier} — {self.average:.1f}"

    @property
    def average(self) -> float:
        return sum(getattr(self, name) for name, _label in QUESTIONS) / len(QUESTIONS)
