from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "Hồ sơ"

    def ready(self) -> None:
        # Kho dữ liệu (a lower layer) asks about dossiers through its extension point; the imports wait until
        # the models are loaded, as Django requires of ready().
        from repository.hooks import register_dossier_hooks

        from .repository_hooks import HOOKS

        register_dossier_hooks(HOOKS)
