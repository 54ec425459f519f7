from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "repository"
    verbose_name = "Kho dữ liệu"

    def ready(self):
        from . import checks  # noqa: F401 — registers the deploy checks
