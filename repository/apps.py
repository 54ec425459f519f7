from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "repository"
    verbose_name = "Kho dữ liệu"

    def ready(self):
        from portal.demo import register_app_demo

        from . import (
            checks,  # noqa: F401 — registers the deploy checks
            demo,
        )

        register_app_demo(self.label, demo.load)
