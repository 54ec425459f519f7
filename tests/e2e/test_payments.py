"""A citizen claims a listed fee reduction, pays the rest of the dossier's fee through the VNPay simulator (the
IPN reaches the portal over HTTP), sees the e-receipt and submits the dossier; the finance officer finds the payment in the day's list and exports it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from dossiers import services as dossier_services
from dossiers.constants import DeliveryMethod, DossierState
from dossiers.models import Dossier
from payments import demo as payments_demo
from payments.models import Payment, PaymentTerms
from portal.models import Agency, User
from procedures.models import FeeExemption
from tests.dossiers.factories import draft
from tests.procedures.factories import published_version

from .accessibility import assert_accessible
from .conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def eager_tasks():
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


class _Province:
    def __init__(self, version, citizen):
        self.version = version
        self.citizen = citizen

    def components(self):
        return list(self.version.components.order_by("order"))


def test_citizen_pays_through_vnpay_and_finance_exports_it(demo_site, browser, eager_tasks, settings):
    base = demo_site.url
    settings.SITE_URL = base
    payments_demo.load()
    agency = Agency.objects.get(code="000.00.20.H32")
    version = published_version(agencies=[agency], valid_from=dt.date(2024, 1, 1))
    PaymentTerms.objects.create(procedure=version.procedure, pay_at_filing=True)
    citizen = User.objects.get(username="056090001234")
    dossier = draft(_Province(version, citizen), citizen)
    dossier_services.dossier_set_delivery(dossier=dossier, actor=citizen, method=DeliveryMethod.DESK)
    FeeExemption.objects.create(
        version=version,
        group="Người khuyết tật",
        fee_name="Lệ phí cấp giấy phép",
        percent=50,
        legal_basis="Nghị quyết của Hội đồng nhân dân tỉnh",
        proof="Giấy xác nhận khuyết tật",
    )

    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = phone.new_page()
    login(page, base, "056090001234")
    # the dossier cannot be submitted before the fee is paid
    page.goto(f"{base}/ho-so/{dossier.pk}/soan/kiem-tra/")
    expect(page.get_by_text("Chưa nộp phí, lệ phí", exact=False)).to_be_visible()
    page.goto(f"{base}/ho-so/{dossier.pk}/")
    panel = page.get_by_test_id("payment-panel")
    expect(panel.get_by_test_id("amount-owed")).to_have_text("75.000 ₫")
    # a listed target group halves the fee: claimed on the applicant page
    page.goto(f"{base}/ho-so/{dossier.pk}/soan/thong-tin/")
    assert_accessible(page)
    page.get_by_role("radio", name="Người khuyết tật", exact=False).check()
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.goto(f"{base}/ho-so/{dossier.pk}/")
    panel = page.get_by_test_id("payment-panel")
    expect(panel.get_by_test_id("amount-owed")).to_have_text("37.500 ₫")
    expect(page.get_by_test_id("fee-exemption")).to_contain_text("Người khuyết tật")
    panel.get_by_role("button", name="Thanh toán qua VNPay").click()

    # ---- the VNPay simulator ----
    expect(page.get_by_test_id("vnpay-simulator")).to_contain_text("37.500 ₫")
    page.get_by_role("button", name="Xác nhận thanh toán").click()

    # ---- back on the portal: paid (settled by the IPN, not by this return), with its e-receipt ----
    expect(page.get_by_test_id("payment-status")).to_contain_text("Đã thanh toán thành công")
    receipt_link = page.get_by_test_id("receipt-link")
    expect(receipt_link).to_be_visible()
    receipt = page.request.get(base + receipt_link.get_attribute("href"))
    assert receipt.headers["content-type"] == "application/pdf" and receipt.body().startswith(b"%PDF")
    payment = Payment.objects.get(dossier=dossier)
    assert payment.settled_by == "notification"

    # ---- the dossier moves on: submitted, marked paid online; the receipt is on its page ----
    page.goto(f"{base}/ho-so/{dossier.pk}/soan/kiem-tra/")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_test_id("payment-panel").get_by_test_id("receipt-link")).to_be_visible()
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == DossierState.SUBMITTED and dossier.paid_online
    phone.close()

    # ---- the finance officer sees it in the day's list and exports it ----
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    officer = desk.new_page()
    login(officer, base, payments_demo.FINANCE_LOGIN)
    officer.goto(f"{base}/thanh-toan/ke-toan/")
    table = officer.get_by_test_id("finance-payments")
    expect(table).to_contain_text(payment.reference)
    expect(table).to_contain_text("Đã thanh toán")
    expect(table.get_by_test_id("line-exemption")).to_contain_text("Người khuyết tật — giảm 50%")
    with officer.expect_download() as download_info:
        officer.get_by_test_id("export").click()
    path = download_info.value.path()
    rows = list(load_workbook(io.BytesIO(Path(path).read_bytes())).active.iter_rows(values_only=True))
    assert any(r[0] == payment.reference and r[4] == 37500 and "Người khuyết tật" in r[12] for r in rows[1:])
    scroll = officer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert scroll
    desk.close()
