from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "Hồ sơ"

    def ready(self) -> None:
        # Kho dữ liệu (a lower layer) asks about dossiers through its extension point; the imports wait until
        # the models are loaded, as Django requires of ready().
        from notifications.hooks import register_sample_context
        from portal.demo import register_app_demo
        from portal.home import register_home_section
        from repository.hooks import register_dossier_hooks

        from . import demo, notifications
        from .home import dossiers_home_section
        from .repository_hooks import HOOKS

        register_dossier_hooks(HOOKS)
        register_app_demo(self.label, demo.load)
        register_sample_context(notifications.sample_context)
        register_home_section(dossiers_home_section)
