from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Báo cáo, chỉ số"

    def ready(self) -> None:
        from portal.demo import register_app_demo

        from . import demo

        register_app_demo(self.label, demo.load)
