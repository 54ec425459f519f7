"""Under /kho-du-lieu/luu-tru/ (the addresses the archive had when it lived in the repository app)."""

from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("", views.archive_list, name="list"),
    path("<int:pk>/", views.archive_detail, name="detail"),
    path("<int:pk>/goi-luu-tru/", views.archive_package, name="package"),
    path("<int:pk>/<str:kind>/<int:item_id>/", views.archive_download, name="download"),
]
