import datetime as dt
from zoneinfo import ZoneInfo

from dossiers import services
from portal.models import CalendarDay, WorkCalendar
from tests.dossiers.factories import awaiting_approval, signing_ready

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def delivered(province):
    """A dossier whose result was approved and handed to the applicant at the desk."""
    signing_ready(province)
    dossier = services.dossier_approve(dossier=awaiting_approval(province), actor=province.approver)
    if dossier.state != "delivered":
        dossier = services.dossier_deliver(
            dossier=dossier, actor=province.officer, method="desk", collected_by="Nguyễn Văn An"
        )
    return dossier


def holiday(day: dt.date, name: str = "Ngày nghỉ thử") -> None:
    calendar = WorkCalendar.objects.filter(is_default=True).first() or WorkCalendar.objects.create(
        name="Lịch thử", is_default=True
    )
    CalendarDay.objects.update_or_create(
        calendar=calendar, date=day, defaults={"kind": "holiday", "name": name}
    )
