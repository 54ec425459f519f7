from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ho-so/", views.dossier_list, name="dossiers"),
    path("xuat-excel/", views.export, name="export"),
    path("xuat-pdf/", views.index_pdf, name="pdf"),
    path("chi-tieu/", views.targets, name="targets"),
    path("cong-khai/", views.public, name="public"),
]
