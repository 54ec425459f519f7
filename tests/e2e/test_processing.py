"""A dossier from the citizen through the desk, the department head, the specialist and back to the citizen
as a signed electronic result that verifies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dossiers.models import Dossier
from portal.models import Agency, User
from repository.constants import VerificationStatus
from repository.services import signing_certificate_issue
from repository.signing import verify_signed_pdf
from tests.dossiers.factories import PDF_BYTES
from tests.procedures.factories import published_version

from .conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def eager_tasks():
    """The live server prints forms in its own thread, as with no broker configured."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _open_menu(page):
    toggle = page.get_by_role("button", name="Mở menu")
    page.wait_for_load_state("load")  # the stylesheet decides whether the menu is folded
    if toggle.is_visible():
        toggle.click()


def _open_from_queue(page, base, tab, code_or_name):
    page.goto(f"{base}/ho-so/xu-ly/?tab={tab}")
    row = page.get_by_test_id("work-queue").get_by_role("row").filter(has_text=code_or_name)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()


def test_citizen_to_signed_electronic_result(demo_site, browser, tmp_path, eager_tasks):
    base = demo_site.url
    department = Agency.objects.get(code="000.00.20.H32")
    version = published_version(agencies=[department], valid_from=dt.date(2024, 1, 1))
    signing_certificate_issue(agency=department)

    # ---- the citizen files online from a phone, for an electronic result ----
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN", accept_downloads=True)
    citizen = phone.new_page()
    login(citizen, base, "056090001234")
    citizen.goto(f"{base}/ho-so/nop/{version.pk}/")
    citizen.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    citizen.get_by_role("link", name="Thông tin người nộp và tờ khai").click()
    citizen.get_by_label("Số bản đề nghị cấp").fill("1")
    citizen.get_by_label("Tôi cam đoan những nội dung khai trên là đúng sự thật").check()
    citizen.get_by_role("button", name="Lưu và tiếp tục").click()
    citizen.get_by_role("link", name="Đơn đề nghị cấp giấy phép").click()
    application = tmp_path / "don-de-nghi.pdf"
    application.write_bytes(PDF_BYTES)
    citizen.get_by_label("Chọn tệp (PDF, JPEG, PNG hoặc DOCX)").set_input_files(str(application))
    citizen.get_by_role("button", name="Tải lên").click()
    citizen.get_by_role("link", name="Kiểm tra và nộp hồ sơ").click()
    expect(citizen.get_by_text("Nhận bản điện tử (Kho dữ liệu, thư điện tử)")).to_be_visible()
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_text("Đã nộp hồ sơ.")).to_be_visible()
    dossier = Dossier.objects.get(applicant__username="056090001234", procedure_version=version)

    # ---- the desk receives it and forwards it to Sở Xây dựng ----
    desk = browser.new_context(locale="vi-VN")
    officer = desk.new_page()
    login(officer, base, "motcua")
    officer.goto(f"{base}/ho-so/{dossier.pk}/")
    officer.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    code = officer.get_by_test_id("dossier-code").inner_text()
    officer.get_by_role("link", name="Chuyển xử lý").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Chuyển hồ sơ đến cơ quan giải quyết")
    officer.get_by_role("button", name="Chuyển xử lý").click()
    expect(officer.get_by_role("status")).to_contain_text("Đã chuyển hồ sơ đến Sở Xây dựng")
    desk.close()

    # ---- the department head assigns the specialist from the queue ----
    head_context = browser.new_context(locale="vi-VN")
    head = head_context.new_page()
    login(head, base, "lanhdaophong.sxd")
    _open_from_queue(head, base, "cho-phan-cong", code)
    head.get_by_role("link", name="Phân công xử lý").click()
    specialist_account = User.objects.get(username="chuyenvien.sxd")
    head.get_by_label("Chuyên viên xử lý").select_option(str(specialist_account.pk))
    head.get_by_role("button", name="Phân công").click()
    expect(head.get_by_test_id("current-handler")).to_have_text("Võ Minh Xây")

    # ---- the specialist asks the citizen a question and drafts the permit ----
    work_context = browser.new_context(locale="vi-VN")
    specialist = work_context.new_page()
    login(specialist, base, "chuyenvien.sxd")
    _open_from_queue(specialist, base, "cua-toi", code)
    specialist.get_by_label("Nội dung trao đổi").fill("Đề nghị ông xác nhận công trình cao 3 tầng.")
    specialist.get_by_role("button", name="Gửi trao đổi").click()
    expect(specialist.get_by_test_id("message")).to_have_text("Đề nghị ông xác nhận công trình cao 3 tầng.")
    specialist.get_by_role("link", name="Trình phê duyệt").click()
    specialist.get_by_label("Ý kiến thẩm định (khi từ chối: lý do từ chối)").fill(
        "Hồ sơ đầy đủ, hợp lệ, đủ điều kiện cấp giấy phép."
    )
    specialist.get_by_label("Tên kết quả").fill("Giấy phép xây dựng")
    specialist.get_by_label("Số, ký hiệu (không bắt buộc)").fill("31/GPXD")
    specialist.get_by_label("Nội dung kết quả").fill(
        "Cấp cho ông Nguyễn Văn An được xây dựng nhà ở riêng lẻ 3 tầng tại thửa đất số 215, phường Nha Trang."
    )
    specialist.get_by_role("button", name="Trình phê duyệt").click()
    expect(specialist.get_by_role("status")).to_contain_text("Đã trình lãnh đạo phê duyệt kết quả.")
    work_context.close()

    # ---- the head reads the draft, approves and signs ----
    _open_from_queue(head, base, "cho-phe-duyet", code)
    head.get_by_role("link", name="Phê duyệt và ký số").click()
    expect(head.get_by_test_id("submission")).to_contain_text("Hồ sơ đầy đủ, hợp lệ")
    head.get_by_role("button", name="Phê duyệt và ký số").click()
    expect(head.get_by_role("status")).to_contain_text("Đã phê duyệt và ký số kết quả.")
    head_context.close()

    # ---- the citizen sees the result delivered, downloads it and it verifies ----
    citizen.goto(f"{base}/")
    _open_menu(citizen)
    citizen.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Hồ sơ của tôi"
    ).click()
    citizen.get_by_role("link", name=code).click()
    expect(citizen.locator(".status-tag").first).to_have_text("Đã trả kết quả")
    expect(citizen.get_by_test_id("message")).to_have_text("Đề nghị ông xác nhận công trình cao 3 tầng.")
    citizen.wait_for_load_state("load")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    with citizen.expect_download() as download_info:
        citizen.get_by_test_id("document-result").click()
    signed = Path(download_info.value.path()).read_bytes()
    result = verify_signed_pdf(signed)
    assert result.status == VerificationStatus.VALID and result.document is not None
    assert result.document.owner_user.username == "056090001234"

    # the QR link on the result opens the public verification page, which says it is valid
    citizen.get_by_test_id("verify-result").click()
    expect(citizen.get_by_text("Chữ ký số hợp lệ; văn bản còn nguyên vẹn kể từ khi ký.")).to_be_visible()

    # and the result is in the citizen's Kho dữ liệu
    citizen.goto(f"{base}/kho-du-lieu/")
    expect(citizen.get_by_text("Giấy phép xây dựng").first).to_be_visible()
    phone.close()
