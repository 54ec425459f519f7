from django.urls import path

from . import views

app_name = "repository"

urlpatterns = [
    path("", views.my_documents, name="my_documents"),
    path("tai-len/", views.document_upload, name="document_upload"),
    path("giay-to/<int:pk>/", views.document_detail, name="document_detail"),
    path("giay-to/<int:pk>/tai-ve/", views.document_download, name="document_download"),
    path("giay-to/<int:pk>/xem/", views.document_preview, name="document_preview"),
    path("giay-to/<int:pk>/anh/", views.document_thumbnail, name="document_thumbnail"),
    path("giay-to/<int:pk>/xoa/", views.document_delete, name="document_delete"),
    path("giay-to/<int:pk>/chia-se/", views.document_consent, name="document_consent"),
    path("giay-to/<int:pk>/phien-ban/", views.document_add_version, name="document_add_version"),
    path("giay-to/<int:pk>/thu-hoi/", views.document_revoke, name="document_revoke"),
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<int:pk>/<str:token>/", views.verify_link, name="verify_link"),
    path("so-hoa/", views.digitisation_jobs, name="digitisation_jobs"),
    path("so-hoa/moi/", views.digitisation_job_new, name="digitisation_job_new"),
    path("so-hoa/<int:pk>/", views.digitisation_job_detail, name="digitisation_job_detail"),
    path("so-hoa/<int:pk>/chay-lai/", views.digitisation_job_retry, name="digitisation_job_retry"),
    path("so-hoa-lo/moi/", views.backfile_new, name="backfile_new"),
    path("so-hoa-lo/<int:pk>/", views.backfile_detail, name="backfile_detail"),
]
