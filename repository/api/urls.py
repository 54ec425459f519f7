from django.urls import path

from . import views

app_name = "repository-api"

urlpatterns = [
    path("giay-to/", views.MyDocumentsView.as_view(), name="documents"),
    path("giay-to/tai-su-dung/", views.ReusableDocumentsView.as_view(), name="reusable"),
    path("giay-to/<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("giay-to/<int:pk>/tai-ve/", views.DocumentDownloadView.as_view(), name="document_download"),
    path("xac-thuc/", views.VerifyView.as_view(), name="verify"),
]
