"""Under /ho-so/danh-gia/."""

from django.urls import path

from . import views

app_name = "survey"

urlpatterns = [
    path("ket-qua/", views.results, name="results"),
    path("<int:pk>/", views.rate, name="rate"),
    path("<int:pk>/tai-quay/", views.desk, name="desk"),
]
