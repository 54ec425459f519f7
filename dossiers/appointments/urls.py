"""Under /lich-hen/."""

from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.book, name="book"),
    path("xac-nhan/", views.confirmation, name="confirmation"),
    path("cap-so/", views.kiosk, name="kiosk"),
    path("goi-so/", views.desk_calls, name="desk"),
    path("thong-ke/", views.stats, name="stats"),
    path("man-hinh/<str:agency_code>/", views.display, name="display"),
    path("man-hinh/<str:agency_code>/cap-nhat/", views.display_calls, name="display_calls"),
]
