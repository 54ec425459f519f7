import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers.appointments.services import appointment_slots_build
from portal.errors import ApplicationError
from portal.models import Agency
from procedures.models import Field


class Command(BaseCommand):
    help = (
        "Mở khung giờ đặt lịch tại bộ phận một cửa theo lịch làm việc (bỏ ngày nghỉ): "
        "open_appointment_slots <mã cơ quan> <mã lĩnh vực> [--ngay 2026-10-15] [--so-ngay 14] [--phut 30] [--cho 4]"
    )

    def add_arguments(self, parser):
        parser.add_argument("agency_code")
        parser.add_argument("field_code")
        parser.add_argument("--ngay", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--so-ngay", type=int, default=14)
        parser.add_argument("--phut", type=int, default=30)
        parser.add_argument("--cho", type=int, default=4)

    def handle(self, *args, **options):
        agency = Agency.objects.filter(code=options["agency_code"]).first()
        field = Field.objects.filter(code=options["field_code"]).first()
        if agency is None or field is None:
            raise CommandError("Không tìm thấy cơ quan hoặc lĩnh vực.")
        try:
            created = appointment_slots_build(
                agency=agency,
                field=field,
                start=options["ngay"] or timezone.localdate(),
                days=options["so_ngay"],
                slot_minutes=options["phut"],
                capacity=options["cho"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Đã mở {created} khung giờ."))
