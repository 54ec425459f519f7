from django.apps import AppConfig
from django.urls import register_converter

from .converters import ProcedureCodeConverter


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Thủ tục hành chính"

    def ready(self):
        register_converter(ProcedureCodeConverter, "procedure_code")

        from portal.demo import register_app_demo

        from . import demo

        register_app_demo(self.label, demo.load)

        from portal.home import register_home_section

        from .home import catalogue_home_section

        register_home_section(catalogue_home_section)
