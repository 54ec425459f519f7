from django.urls import path

from . import reports, views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/mo/", views.open_notification, name="open"),
    path("cai-dat/", views.preferences, name="preferences"),
    path("cai-dat/lien-he/", views.contact_start, name="contact_start"),
    path("cai-dat/xac-minh/", views.contact_verify, name="contact_verify"),
    path("quan-tri/mau/", views.template_list, name="template_list"),
    path("quan-tri/mau/<str:kind>/<str:channel>/<str:language>/", views.template_edit, name="template_edit"),
    path("quan-tri/loi-gui/", views.failures, name="failures"),
    path("quan-tri/loi-gui/<int:pk>/gui-lai/", views.retry, name="retry"),
    # Providers' delivery reports (server to server: a secret path segment, a signature).
    path("bao-cao-gui/esms/<str:token>/", reports.esms_report, name="esms_report"),
    path("bao-cao-gui/zalo/", reports.zalo_webhook, name="zalo_webhook"),
]
