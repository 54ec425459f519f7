"""Local provider simulators, mounted only when PAYMENTS_SIMULATORS is on (development and tests)."""

from django.urls import path

from . import bank, national, vnpay

app_name = "payments-simulator"

urlpatterns = [
    path("vnpay/paymentv2/vpcpay.html", vnpay.pay, name="vnpay_pay"),
    path("vnpay/merchant_webapi/api/transaction", vnpay.api, name="vnpay_api"),
    path("quoc-gia/api/", national.api, name="national_api"),
    path("quoc-gia/thanh-toan/<str:reference>/", national.pay, name="national_pay"),
    path("ngan-hang/chuyen-khoan/", bank.transfer, name="bank_transfer"),
]
