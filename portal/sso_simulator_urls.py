from django.urls import path

from . import sso_simulator

app_name = "sso-simulator"

urlpatterns = [
    path(".well-known/openid-configuration", sso_simulator.discovery, name="discovery"),
    path("authorize", sso_simulator.authorize, name="authorize"),
    path("token", sso_simulator.token, name="token"),
    path("userinfo", sso_simulator.userinfo, name="userinfo"),
    path("jwks", sso_simulator.jwks, name="jwks"),
]
