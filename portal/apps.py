from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Tài khoản, cơ quan, lịch làm việc"

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_delete, post_save

        from .working_time import forget_display_calendar

        for sender in ("portal.WorkCalendar", "portal.CalendarDay"):
            post_save.connect(
                forget_display_calendar, sender=sender, dispatch_uid=f"display-calendar-save-{sender}"
            )
            post_delete.connect(
                forget_display_calendar, sender=sender, dispatch_uid=f"display-calendar-delete-{sender}"
            )
        setting_changed.connect(forget_display_calendar, dispatch_uid="display-calendar-settings")
