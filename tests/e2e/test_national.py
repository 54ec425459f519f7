"""A citizen logs in through the simulated national SSO (VNeID), files online, the desk receives the dossier,
and the simulated national portal shows the dossier and its steps."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from portal.models import Agency, User
from tests.dossiers.factories import PDF_BYTES
from tests.procedures.factories import published_version

from .conftest import login

pytestmark = [
    pytest.mark.e2e,
    # The live server calls itself here (the OIDC client to the simulated IdP, the sync to the simulated
    # portal): on the in-memory SQLite test database the nested request thread shares the test's connection,
    # and Django's live server complains when that thread closes it. The queries themselves never overlap:
    # the outer request waits for the answer.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


@pytest.fixture
def national_site(demo_site, settings):
    from dossiers.national import simulator
    from portal.celery import app

    settings.SITE_URL = demo_site.url
    settings.NATIONAL_SYNC_ENABLED = True
    settings.NATIONAL_SIMULATOR_ENABLED = True
    settings.NATIONAL_PORTAL_URL = ""
    simulator.reset()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the live server reports to the portal in its own thread
    yield demo_site
    app.conf.task_always_eager = previous
    simulator.reset()


def test_vneid_login_file_receive_and_the_national_portal_shows_it(national_site, browser, tmp_path):
    base = national_site.url
    version = published_version(
        agencies=[Agency.objects.get(code="000.00.20.H32")], valid_from=dt.date(2024, 1, 1)
    )
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    citizen = phone.new_page()

    # ---- logs in with the national SSO, picking a demo identity on the simulated VNeID page ----
    citizen.goto(f"{base}/dang-nhap/")
    citizen.get_by_test_id("login-vneid").click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("tài khoản định danh điện tử")
    citizen.get_by_label("Phạm Minh Châu — 056198007777").check()
    citizen.get_by_role("button", name="Đồng ý đăng nhập").click()
    expect(citizen.get_by_text("Đã đăng nhập bằng tài khoản định danh điện tử (VNeID).")).to_be_visible()
    account = User.objects.get(cccd="056198007777")
    assert account.identity_source == "national_sso"

    # ---- files online ----
    citizen.goto(f"{base}/thu-tuc/{version.procedure.code}/")
    citizen.get_by_test_id("file-online").click()
    citizen.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    citizen.get_by_role("link", name="Thông tin người nộp và tờ khai").click()
    expect(citizen.get_by_label("Họ và tên (hoặc tên tổ chức)")).to_have_value("Phạm Minh Châu")
    citizen.get_by_label("Số bản đề nghị cấp").fill("1")
    citizen.get_by_label("Tôi cam đoan những nội dung khai trên là đúng sự thật").check()
    citizen.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(citizen.get_by_text("Đã lưu thông tin người nộp.")).to_be_visible()
    citizen.get_by_role("link", name="Đơn đề nghị cấp giấy phép").click()
    application = tmp_path / "don-de-nghi.pdf"
    application.write_bytes(PDF_BYTES)
    citizen.get_by_label("Chọn tệp (PDF, JPEG, PNG hoặc DOCX)").set_input_files(str(application))
    citizen.get_by_role("button", name="Tải lên").click()
    expect(citizen.get_by_text("Đã tải lên tệp cho “Đơn đề nghị cấp giấy phép”.")).to_be_visible()
    citizen.get_by_role("link", name="Kiểm tra và nộp hồ sơ").click()
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_text("Đã nộp hồ sơ.")).to_be_visible()
    phone.close()

    # ---- the desk receives it ----
    desk = browser.new_context(locale="vi-VN")
    officer = desk.new_page()
    login(officer, base, "motcua")
    officer.get_by_role("link", name="Tiếp nhận hồ sơ").first.click()
    officer.get_by_test_id("queue").get_by_role("row").filter(has_text="Phạm Minh Châu").get_by_role(
        "link"
    ).click()
    officer.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    code = officer.get_by_test_id("dossier-code").inner_text()
    # the dossier page shows the sync log to the officer
    expect(officer.get_by_test_id("national-sync")).to_contain_text("CapNhatTienDoHoSoMC")
    desk.close()

    # ---- the simulated national portal shows the dossier and its steps ----
    viewer = browser.new_context(locale="vi-VN").new_page()
    viewer.goto(f"{base}/mo-phong/dvcqg/")
    card = viewer.get_by_test_id("national-dossier").filter(has_text=code)
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("national-status")).to_have_text("2")
    expect(card.get_by_test_id("national-vneid")).to_have_text("true")
    steps = card.get_by_test_id("national-steps").get_by_role("listitem")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("Nộp hồ sơ trực tuyến")
    expect(steps.nth(1)).to_contain_text("Tiếp nhận hồ sơ")
