from django.urls import path

from . import sso_views

urlpatterns = [
    path("", sso_views.start, name="sso_start"),
    path("ket-qua/", sso_views.callback, name="sso_callback"),
]
