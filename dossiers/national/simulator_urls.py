from django.urls import path

from . import simulator

app_name = "national-simulator"

urlpatterns = [
    path("", simulator.received, name="received"),
    path("dieu-khien/", simulator.control, name="control"),
    path("login", simulator.login, name="login"),
    path("integration", simulator.integration, name="integration"),
]
