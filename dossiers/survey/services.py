"""Writing a satisfaction survey: once per dossier, only after the result was delivered."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.errors import ApplicationError, Conflict
from portal.models import User

from ..constants import DossierState
from ..models import Dossier, SatisfactionSurvey
from .constants import QUESTIONS, SurveyChannel


def survey_check_open(*, dossier: Dossier) -> None:
    """Refuse when the dossier may not be rated (yet, or any more)."""
    if dossier.state != DossierState.DELIVERED:
        raise ApplicationError(
            "Chỉ có thể đánh giá sau khi hồ sơ đã được trả kết quả.", code="survey_not_delivered"
        )
    if SatisfactionSurvey.objects.filter(dossier=dossier).exists():
        raise Conflict("Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ đánh giá một lần.", code="survey_done")


def survey_submit(
    *,
    dossier: Dossier,
    ratings: dict[str, int],
    comment: str = "",
    channel: str = SurveyChannel.ONLINE,
    recorded_by: User | None = None,
    at: dt.datetime | None = None,
) -> SatisfactionSurvey:
    """The person rates the service of one dossier (QĐ 766/QĐ-TTg, chỉ số mức độ hài lòng): the five
    questions of the national form, 1 to 5, once per dossier, after the result was delivered. The dossier row is
    locked so two answers sent at once cannot both pass; the unique dossier column refuses one anyway."""
    missing = [name for name, _label in QUESTIONS if ratings.get(name) not in (1, 2, 3, 4, 5)]
    if missing:
        raise ApplicationError("Vui lòng chấm điểm từ 1 đến 5 cho mọi câu hỏi.", code="survey_incomplete")
    at = at or timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        survey_check_open(dossier=locked)
        try:
            with transaction.atomic():
                return SatisfactionSurvey.objects.create(
                    dossier=locked,
                    agency_id=locked.competent_agency_id or locked.receiving_agency_id,
                    desk_agency_id=locked.receiving_agency_id,
                    officer_id=locked.received_by_id,
                    comment=comment.strip(),
                    channel=channel,
                    recorded_by=recorded_by,
                    answered_at=at,
                    **{name: ratings[name] for name, _label in QUESTIONS},
                )
        except IntegrityError as exc:
            raise Conflict("Hồ sơ này đã được đánh giá.", code="survey_done") from exc
