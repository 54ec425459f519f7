"""A new citizen files online with attachments, the desk receives it, the citizen downloads the receipt and
finds the dossier on the public page with code + lookup secret."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.models import Agency
from tests.dossiers.factories import PDF_BYTES
from tests.procedures.factories import published_version

from .conftest import login

pytestmark = pytest.mark.e2e


def fold_words(text: str) -> str:
    """What a person types on a phone without Vietnamese input: no diacritics, lower case."""
    import unicodedata

    stripped = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in stripped if not unicodedata.combining(c)).lower()


def _open_menu(page):
    toggle = page.get_by_role("button", name="Mở menu")
    page.wait_for_load_state("load")  # the stylesheet decides whether the menu is folded
    if toggle.is_visible():
        toggle.click()


@pytest.fixture
def eager_tasks():
    """The live server prints receipts in its own thread, as with no broker configured."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_file_online_receive_download_receipt_and_look_up(demo_site, browser, tmp_path, eager_tasks):
    base = demo_site.url
    version = published_version(
        agencies=[Agency.objects.get(code="000.00.20.H32")], valid_from=dt.date(2024, 1, 1)
    )

    # ---- a new citizen registers, on a phone ----
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN", accept_downloads=True)
    citizen = phone.new_page()
    citizen.goto(f"{base}/dang-ky/")
    citizen.get_by_label("Số CCCD").fill("056095012345")
    citizen.get_by_label("Họ và tên").fill("Lê Thị Hoa")
    citizen.get_by_label("Số điện thoại").fill("0905111222")
    citizen.get_by_label("Địa chỉ", exact=True).fill("20 Yersin, phường Nha Trang, tỉnh Khánh Hòa")
    citizen.get_by_label(re.compile(r"^Mật khẩu")).fill("Hoa@Khanhhoa2026")
    citizen.get_by_label("Nhập lại mật khẩu").fill("Hoa@Khanhhoa2026")
    citizen.get_by_role("button", name="Đăng ký").click()
    expect(citizen.get_by_text("Đăng ký tài khoản thành công.")).to_be_visible()

    # ---- finds the procedure in the catalogue (typed without diacritics) and starts an online dossier ----
    _open_menu(citizen)
    citizen.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Thủ tục hành chính", exact=True
    ).click()
    citizen.get_by_label("Tìm thủ tục").fill(fold_words(version.name))
    citizen.get_by_role("button", name="Tìm", exact=True).click()
    citizen.get_by_role("link", name=version.name).click()
    citizen.get_by_test_id("file-online").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(version.name)
    citizen.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    citizen.get_by_role("link", name="Thông tin người nộp và tờ khai").click()
    expect(citizen.get_by_label("Họ và tên (hoặc tên tổ chức)")).to_have_value("Lê Thị Hoa")
    expect(citizen.get_by_label(re.compile(r"^Số CCCD"))).to_have_value("056095012345")
    citizen.get_by_label("Số bản đề nghị cấp").fill("1")
    citizen.get_by_label("Tôi cam đoan những nội dung khai trên là đúng sự thật").check()
    citizen.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(citizen.get_by_text("Đã lưu thông tin người nộp.")).to_be_visible()

    # ---- attaches the application form: a wrong file is explained, then the PDF is accepted ----
    citizen.get_by_role("link", name="Đơn đề nghị cấp giấy phép").click()
    not_a_pdf = tmp_path / "don.pdf"
    not_a_pdf.write_bytes(b"MZ\x90\x00 this is not a document" * 10)
    citizen.get_by_label("Chọn tệp (PDF, JPEG, PNG hoặc DOCX)").set_input_files(str(not_a_pdf))
    citizen.get_by_role("button", name="Tải lên").click()
    expect(citizen.get_by_role("alert")).to_contain_text("không đúng định dạng cho phép")
    application = tmp_path / "don-de-nghi-cap-phep.pdf"
    application.write_bytes(PDF_BYTES)
    citizen.get_by_label("Chọn tệp (PDF, JPEG, PNG hoặc DOCX)").set_input_files(str(application))
    citizen.get_by_role("button", name="Tải lên").click()
    expect(citizen.get_by_text("Đã tải lên tệp cho “Đơn đề nghị cấp giấy phép”.")).to_be_visible()

    # ---- chooses to receive the result by post ----
    citizen.get_by_role("link", name="Cách nhận kết quả").click()
    citizen.get_by_label("Nhận qua dịch vụ bưu chính công ích").check()
    citizen.get_by_label("Địa chỉ nhận kết quả qua bưu chính").fill("20 Yersin, phường Nha Trang")
    citizen.get_by_role("button", name="Lưu và tiếp tục").click()

    # ---- checks the answers and submits ----
    citizen.get_by_role("link", name="Kiểm tra và nộp hồ sơ").click()
    expect(citizen.get_by_text("don-de-nghi-cap-phep.pdf")).to_be_visible()
    citizen.wait_for_load_state("load")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_text("Đã nộp hồ sơ.")).to_be_visible()
    expect(citizen.locator(".status-tag").first).to_have_text("Mới nộp, chờ tiếp nhận")

    # ---- the intake officer finds it in the queue and receives it ----
    desk = browser.new_context(locale="vi-VN")
    officer = desk.new_page()
    login(officer, base, "motcua")
    officer.get_by_role("link", name="Tiếp nhận hồ sơ").first.click()
    queue = officer.get_by_test_id("queue")
    row = queue.get_by_role("row").filter(has_text="Lê Thị Hoa")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    officer.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(officer.get_by_role("status")).to_contain_text("Đã tiếp nhận hồ sơ 000.00.15.H32-")
    code = officer.get_by_test_id("dossier-code").inner_text()
    secret = officer.get_by_test_id("lookup-secret").inner_text()
    assert re.fullmatch(r"000\.00\.15\.H32-\d{6}-\d{4}", code)
    desk.close()

    # ---- the citizen downloads the receipt from "Hồ sơ của tôi" ----
    citizen.goto(f"{base}/")
    _open_menu(citizen)
    citizen.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Hồ sơ của tôi"
    ).click()
    citizen.get_by_role("link", name=code).click()
    expect(citizen.locator(".status-tag").first).to_have_text("Đã tiếp nhận")
    with citizen.expect_download() as download_info:
        citizen.get_by_test_id("document-receipt").click()
    receipt = Path(download_info.value.path()).read_bytes()
    text = " ".join(PdfReader(io.BytesIO(receipt)).pages[0].extract_text().split())
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert f"Mã hồ sơ: {code}" in text and "Lê Thị Hoa" in text and secret in text
    phone.close()

    # ---- anyone finds it on the public page with code + secret ----
    public = browser.new_context(locale="vi-VN")
    visitor = public.new_page()
    visitor.goto(f"{base}/")
    visitor.get_by_role("link", name="Tra cứu hồ sơ").first.click()
    visitor.get_by_label("Mã hồ sơ").fill(code)
    visitor.get_by_label("Mã tra cứu").fill("WRONG1")
    visitor.get_by_role("button", name="Tra cứu").click()
    expect(visitor.get_by_test_id("not-found")).to_be_visible()
    visitor.get_by_label("Mã hồ sơ").fill(code)
    visitor.get_by_label("Mã tra cứu").fill(secret.lower())
    visitor.get_by_role("button", name="Tra cứu").click()
    result = visitor.get_by_test_id("lookup-result")
    expect(result).to_contain_text("Đã tiếp nhận")
    expect(result).to_contain_text("Ngày hẹn trả kết quả")
    expect(result).not_to_contain_text("Lê Thị Hoa")
    public.close()
