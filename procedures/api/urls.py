from django.urls import path

from . import views

app_name = "procedures-api"

urlpatterns = [
    path("thu-tuc/", views.ProcedureListView.as_view(), name="list"),
    path("thu-tuc/<procedure_code:code>/", views.ProcedureDetailView.as_view(), name="detail"),
    path(
        "thu-tuc/<procedure_code:code>/phien-ban/<int:number>/",
        views.VersionDetailView.as_view(),
        name="version",
    ),
    path(
        "thu-tuc/<procedure_code:code>/ban-ghi-quoc-gia/",
        views.NationalRecordView.as_view(),
        name="national-record",
    ),
    path("linh-vuc/", views.FieldListView.as_view(), name="fields"),
]
