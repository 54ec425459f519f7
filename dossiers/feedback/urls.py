"""Under /phan-anh-kien-nghi/."""

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("gui/", views.file, name="file"),
    path("theo-doi/", views.follow, name="follow"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    path("xu-ly/", views.queue, name="queue"),
    path("xu-ly/<int:pk>/", views.handle, name="handle"),
    path("xu-ly/<int:pk>/tep/", views.attachment, name="attachment"),
]
