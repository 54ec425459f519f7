from django.urls import path

from . import api

app_name = "national-api"

urlpatterns = [
    path("ho-so/", api.NationalDossierInbound.as_view(), name="inbound"),
]
