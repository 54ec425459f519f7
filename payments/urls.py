from django.urls import path

from . import finance, views

app_name = "payments"

urlpatterns = [
    path("ho-so/<int:pk>/", views.start, name="start"),
    path("giao-dich/<str:reference>/", views.detail, name="detail"),
    path("vnpay/tra-ve/", views.vnpay_return, name="vnpay_return"),
    path("vnpay/ipn/", views.vnpay_ipn, name="vnpay_ipn"),
    path("quoc-gia/tra-ve/", views.national_return, name="national_return"),
    path("quoc-gia/ket-qua/", views.national_callback, name="national_callback"),
    path("vietqr/sao-ke/", views.vietqr_statement, name="vietqr_statement"),
    path("bien-lai/<int:pk>/", views.receipt_download, name="receipt"),
    path("xac-thuc/<str:token>/", views.receipt_verify, name="receipt_verify"),
    path("ke-toan/", finance.finance_list, name="finance"),
    path("ke-toan/xuat-excel/", finance.finance_export, name="finance_export"),
    path("ke-toan/<int:pk>/hoan-tien/", finance.refund, name="refund"),
]
