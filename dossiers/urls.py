from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("nop/<int:version_pk>/", views.file_online, name="file_online"),
    path("cua-toi/", views.my_dossiers, name="my_dossiers"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("tiep-nhan/", views.intake_queue, name="intake_queue"),
    path("tiep-nhan-truc-tiep/", views.counter_intake, name="counter_intake"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/soan/", views.edit, name="edit"),
    path("<int:pk>/soan/thong-tin/", views.edit_applicant, name="edit_applicant"),
    path("<int:pk>/soan/thanh-phan/<int:component_pk>/", views.edit_component, name="edit_component"),
    path(
        "<int:pk>/soan/thanh-phan/<int:component_pk>/kho/",
        views.use_stored_document,
        name="use_stored_document",
    ),
    path("<int:pk>/soan/tep/<int:file_pk>/xoa/", views.remove_file, name="remove_file"),
    path("<int:pk>/soan/nhan-ket-qua/", views.edit_delivery, name="edit_delivery"),
    path("<int:pk>/soan/kiem-tra/", views.review, name="review"),
    path("<int:pk>/xoa/", views.delete_draft, name="delete_draft"),
    path("<int:pk>/rut/", views.withdraw, name="withdraw"),
    path("<int:pk>/tiep-nhan/", views.receive, name="receive"),
    path("<int:pk>/tu-choi/", views.refuse, name="refuse"),
    path("<int:pk>/yeu-cau-hoan-thien/", views.request_completion, name="request_completion"),
    path("<int:pk>/chuyen-xu-ly/", views.forward, name="forward"),
    path("<int:pk>/phan-cong/", views.assign, name="assign"),
    path("<int:pk>/trinh-duyet/", views.submit_for_approval, name="submit_for_approval"),
    path("<int:pk>/tra-lai-xu-ly/", views.return_for_rework, name="return_for_rework"),
    path("<int:pk>/phe-duyet/", views.approve, name="approve"),
    path("<int:pk>/tra-ket-qua/", views.deliver, name="deliver"),
    path("<int:pk>/yeu-cau-bo-sung/", views.request_supplement, name="request_supplement"),
    path("<int:pk>/nhan-bo-sung/", views.supplement_at_desk, name="supplement_at_desk"),
    path("<int:pk>/nghia-vu-tai-chinh/", views.request_payment, name="request_payment"),
    path("<int:pk>/nghia-vu-tai-chinh/da-nop/", views.record_payment, name="record_payment"),
    path("<int:pk>/lien-thong/", views.transfer, name="transfer"),
    path("<int:pk>/lien-thong/tra-lai/", views.return_transfer, name="return_transfer"),
    path("<int:pk>/lien-thong/<int:transfer_pk>/tep/", views.transfer_file_download, name="transfer_file"),
    path("<int:pk>/dung-xu-ly/", views.stop, name="stop"),
    path("<int:pk>/xin-loi/", views.apology_draft, name="apology_draft"),
    path("<int:pk>/xin-loi/<int:apology_pk>/duyet/", views.apology_approve, name="apology_approve"),
    path("<int:pk>/tep/<int:file_pk>/", views.file_download, name="file_download"),
    path("<int:pk>/giay-to/<slug:kind>/", views.document_download, name="document"),
]
