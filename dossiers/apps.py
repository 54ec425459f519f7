from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "Hồ sơ"

    def ready(self) -> None:
        # Kho dữ liệu (a lower layer) asks about dossiers through its extension point; the imports wait until
        # the models are loaded, as Django requires of ready().
        from portal.demo import register_app_demo
        from repository.hooks import register_dossier_hooks

        from . import demo
        from .repository_hooks import HOOKS

        register_dossier_hooks(HOOKS)
        register_app_demo(self.label, demo.load)

        from portal.home import register_home_section

        from .home import dossiers_home_section

        register_home_section(dossiers_home_section)
