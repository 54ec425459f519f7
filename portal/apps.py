from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Tài khoản, cơ quan, lịch làm việc"
