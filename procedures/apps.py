from django.apps import AppConfig
from django.urls import register_converter

from .converters import ProcedureCodeConverter


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Thủ tục hành chính"

    def ready(self):
        register_converter(ProcedureCodeConverter, "procedure_code")
