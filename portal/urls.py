from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .forms import LoginForm

auth_patterns = [
    path(
        "dang-nhap/",
        views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", views.register, name="register"),
    path("tai-khoan/", views.profile, name="profile"),
    path("xac-thuc-hai-buoc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-buoc/thiet-lap/", views.otp_setup, name="otp_setup"),
    path("quen-mat-khau/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("quen-mat-khau/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "dat-lai-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("tro-nang-tiep-can/", views.accessibility, name="accessibility"),
    path("", include(auth_patterns)),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("quan-tri/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns += [
    path("thu-tuc/", include("procedures.urls")),
    path("ho-so/danh-gia/", include("dossiers.survey.urls")),
    path("ho-so/", include("dossiers.urls")),
    path("phan-anh-kien-nghi/", include("dossiers.feedback.urls")),
    path("lich-hen/", include("dossiers.appointments.urls")),
    path("api/ho-so/", include("dossiers.api.urls")),
    path("api/kho-du-lieu/", include("repository.api.urls")),
    path("api/chi-so/", include("reporting.api.urls")),
    path("api/", include("procedures.api.urls")),
    path("thanh-toan/", include("payments.urls")),
    path("kho-du-lieu/luu-tru/", include("dossiers.archive.urls")),
    path("kho-du-lieu/", include("repository.urls")),
    path("bao-cao/", include("reporting.urls")),
    path("thong-bao/", include("notifications.urls")),
]

if settings.NOTIFY_SIMULATORS:
    # The local SMS / Zalo providers (development and tests only; refused in production by the settings).
    urlpatterns += [path("", include("notifications.simulators"))]

handler404 = "portal.errors.page_not_found"

admin.site.site_header = "Quản trị hệ thống giải quyết TTHC"
admin.site.site_title = "Quản trị"

if settings.PAYMENTS_SIMULATORS:
    urlpatterns.append(path("thanh-toan/mo-phong/", include("payments.simulators.urls")))
urlpatterns += [
    path("dang-nhap/vneid/", include("portal.sso_urls")),
    path("api/lien-thong/dvcqg/", include("dossiers.national.api_urls")),
]
if settings.NATIONAL_SIMULATOR_ENABLED:
    # Stand-ins for the national portal and its SSO: development and tests only (refused in production).
    urlpatterns += [
        path("mo-phong/dvcqg/", include("dossiers.national.simulator_urls")),
        path("mo-phong/vneid/", include("portal.sso_simulator_urls")),
    ]
