from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mau/<int:pk>/", views.template_download, name="template"),
    path("<procedure_code:code>/", views.detail, name="detail"),
]
