from django.urls import path

from . import views

app_name = "dossiers-api"

urlpatterns = [
    path("", views.MyDossiersView.as_view(), name="list"),
    path("<int:pk>/", views.DossierDetailView.as_view(), name="detail"),
    path("tra-cuu/", views.LookupView.as_view(), name="lookup"),
]
