"""A citizen verifies a phone and chooses SMS (the inbox is always on), files a dossier, and finds the
"received" and "supplement requested" notifications in the portal inbox, with the SMS on the simulator page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from dossiers import services
from dossiers.constants import DeliveryMethod
from portal.models import Agency, User
from tests.dossiers.factories import applicant_data, form_answers, pdf_upload
from tests.procedures.factories import published_version

from .conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def eager_tasks():
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _draft(version, citizen):
    dossier = services.dossier_create_draft(actor=citizen, version=version)
    dossier = services.dossier_update_applicant(
        dossier=dossier, actor=citizen, applicant=applicant_data(citizen), form_data=form_answers(citizen)
    )
    for component in version.components.order_by("order"):
        if component.mandatory:
            services.dossier_attach_file(
                dossier=dossier, actor=citizen, component=component, upload=pdf_upload()
            )
    return services.dossier_set_delivery(dossier=dossier, actor=citizen, method=DeliveryMethod.DESK)


def test_citizen_chooses_sms_files_and_reads_the_notifications(demo_site, browser, eager_tasks):
    base = demo_site.url
    department = Agency.objects.get(code="000.00.20.H32")
    version = published_version(agencies=[department], valid_from=dt.date(2024, 1, 1))
    citizen_account = User.objects.get(username="056185005678")

    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    citizen = context.new_page()
    login(citizen, base, "056185005678")

    # ---- verifies a phone with the code the SMS brought, chooses SMS for two kinds ----
    citizen.goto(f"{base}/thong-bao/cai-dat/")
    citizen.get_by_label("Số điện thoại di động").fill("0912 345 678")
    citizen.get_by_role("button", name="Gửi mã xác minh qua SMS").click()
    expect(citizen.get_by_text("Đã gửi mã xác minh.")).to_be_visible()
    simulator = context.new_page()
    simulator.goto(f"{base}/gia-lap/")
    sms = simulator.get_by_test_id("simulated-messages").get_by_role("listitem").first
    expect(sms).to_contain_text("84912345678")
    code = re.search(r"\b(\d{6})\b", sms.inner_text().split("·", 1)[1]).group(1)
    citizen.get_by_label("Mã xác minh số điện thoại").fill(code)
    citizen.get_by_role("button", name="Xác minh số điện thoại").click()
    expect(citizen.get_by_test_id("phone-verified")).to_contain_text("0912345678")
    citizen.get_by_label("Hồ sơ đã được tiếp nhận: Tin nhắn SMS").check()
    citizen.get_by_label("Yêu cầu bổ sung, hoàn thiện hồ sơ: Tin nhắn SMS").check()
    citizen.get_by_role("button", name="Lưu lựa chọn").click()
    expect(citizen.get_by_text("Đã lưu lựa chọn nhận thông báo.")).to_be_visible()
    expect(citizen.get_by_label("Hồ sơ đã được tiếp nhận: Tin nhắn SMS")).to_be_checked()

    # ---- files the dossier (the form and files are filled as in the intake test) ----
    dossier = _draft(version, citizen_account)
    citizen.goto(f"{base}/ho-so/{dossier.pk}/soan/kiem-tra/")
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_text("Đã nộp hồ sơ.")).to_be_visible()

    # ---- the desk receives it, the department asks for a supplement ----
    desk = User.objects.get(username="motcua")
    dossier = services.dossier_receive(dossier=dossier, actor=desk)
    dossier = services.dossier_forward(dossier=dossier, actor=desk)
    dossier = services.dossier_assign(
        dossier=dossier,
        actor=User.objects.get(username="lanhdaophong.sxd"),
        specialist=User.objects.get(username="chuyenvien.sxd"),
    )
    services.dossier_request_supplement(
        dossier=dossier,
        actor=User.objects.get(username="chuyenvien.sxd"),
        reason="Bổ sung bản vẽ mặt bằng có chữ ký của đơn vị thiết kế.",
    )
    dossier.refresh_from_db()

    # ---- the header counts the unread notifications; the inbox shows both ----
    citizen.goto(f"{base}/")
    expect(citizen.get_by_test_id("inbox-unread")).to_contain_text("3")  # submitted, received, supplement
    citizen.goto(f"{base}/thong-bao/")
    inbox = citizen.get_by_test_id("inbox")
    expect(inbox).to_contain_text(f"Hồ sơ {dossier.code} đã được tiếp nhận")
    expect(inbox).to_contain_text(f"Hồ sơ {dossier.code} cần bổ sung")
    expect(inbox).to_contain_text("Bổ sung bản vẽ mặt bằng")
    citizen.wait_for_load_state("load")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    inbox.get_by_role("listitem").filter(has_text="cần bổ sung").get_by_role("button").click()
    expect(citizen).to_have_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    expect(citizen.get_by_test_id("notification-status")).to_contain_text("Đã gửi")

    # ---- and the SMS reached the (simulated) provider ----
    simulator.reload()
    messages = simulator.get_by_test_id("simulated-messages")
    expect(messages).to_contain_text(f"DVC: Ho so {dossier.code} da duoc tiep nhan")
    expect(messages).to_contain_text(f"DVC: Ho so {dossier.code} can bo sung")

    # ---- the provider reports the "supplement" SMS delivered: the dossier page's table says so ----
    item = messages.get_by_role("listitem").filter(has_text=f"DVC: Ho so {dossier.code} can bo sung")
    item.get_by_role("button", name="Báo đã nhận").click()
    expect(
        simulator.get_by_test_id("simulated-messages")
        .get_by_role("listitem")
        .filter(has_text=f"DVC: Ho so {dossier.code} can bo sung")
        .get_by_test_id("reported")
    ).to_have_attribute("data-outcome", "delivered")
    citizen.reload()
    status = citizen.get_by_test_id("notification-status")
    delivered = status.locator("tr[data-status=delivered]")
    expect(delivered).to_have_count(1)
    expect(delivered).to_contain_text("Yêu cầu bổ sung, hoàn thiện hồ sơ")
    expect(delivered).to_contain_text("Đã nhận")
    context.close()
