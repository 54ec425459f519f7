"""The accessibility gate on forms that show errors, the gate's own test, and a keyboard-only filing journey.
(The gate runs over every role's pages in the page sweep of test_layout.py.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from portal.models import Agency
from tests.dossiers.factories import PDF_BYTES
from tests.procedures.factories import published_version

from .accessibility import assert_accessible, audit

pytestmark = pytest.mark.e2e


def test_forms_with_errors_pass_the_gate(demo_site, page):
    """Hints and errors stay linked to their fields once the server has refused the input."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_site.url}/dang-ky/")
    page.get_by_role("button", name="Đăng ký").click()
    assert page.locator(".invalid-feedback").count() > 0
    assert_accessible(page)
    page.goto(f"{demo_site.url}/ho-so/tra-cuu/")
    page.get_by_role("button", name="Tra cứu").click()
    assert_accessible(page)


BROKEN_PAGE = """<!doctype html><html lang="vi"><head><title>Trang hỏng</title>
<style>a:focus, button:focus { outline: none; } .wide { width: 2000px; }</style></head>
<body><main>
<h1>Trang hỏng</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text" name="so_nha">
<label for="phone">Số điện thoại</label><input id="phone" type="tel" name="phone" aria-describedby="phone-hint">
<a href="#a">Liên kết</a><button type="button">Nút</button>
<div class="wide">rộng</div>
</main></body></html>"""


def test_the_gate_fails_on_a_deliberately_broken_page(page):
    page.set_viewport_size({"width": 360, "height": 800})
    page.set_content(BROKEN_PAGE)
    problems = "\n".join(audit(page, width=360))
    assert "image-alt" in problems  # axe: an image without a text alternative
    assert "label" in problems  # axe: a field without a label
    assert "names missing #phone-hint" in problems  # a hint that does not exist
    assert "personal-data field phone has no autocomplete" in problems
    assert re.search(r"at 360 px is \d+ px wide", problems)  # scrolls sideways
    assert "no visible focus ring" in problems
    with pytest.raises(AssertionError):
        assert_accessible(page, widths=(360,))


def test_the_gate_passes_a_plain_accessible_page(page):
    page.set_viewport_size({"width": 360, "height": 800})
    page.set_content(
        '<!doctype html><html lang="vi"><head><title>Trang tốt</title>'
        "<style>:focus-visible { outline: 3px solid #0b0c0c; outline-offset: 2px; }</style></head>"
        '<body><main><h1>Trang tốt</h1><label for="p">Số điện thoại</label>'
        '<input id="p" type="tel" name="phone" autocomplete="tel"><a href="#x">Liên kết</a></main></body></html>'
    )
    assert audit(page, width=360) == []


def _tab_to(page, target, *, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, as a keyboard user moves through the page."""
    page.wait_for_load_state("load")
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{target} cannot be reached with the keyboard")


def test_a_citizen_files_a_dossier_with_the_keyboard_alone(demo_site, browser, tmp_path):
    version = published_version(
        agencies=[Agency.objects.get(code="000.00.20.H32")], valid_from=dt.date(2024, 1, 1)
    )
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="vi-VN")
    page = context.new_page()
    keys = page.keyboard

    # ---- logs in: type, Tab, type, Enter ----
    page.goto(f"{demo_site.url}/dang-nhap/")
    _tab_to(page, page.get_by_label("Tên đăng nhập hoặc số CCCD"))
    keys.type("056090001234")
    _tab_to(page, page.get_by_label("Mật khẩu"))
    keys.type("Demo@2026")
    keys.press("Enter")
    page.wait_for_url(f"{demo_site.url}/")

    # ---- opens the phone menu, Escape folds it back onto its button, opens it again and follows a link ----
    toggle = page.get_by_role("button", name="Mở menu")
    page.wait_for_load_state("load")
    _tab_to(page, toggle)
    keys.press("Enter")
    menu = page.get_by_role("navigation", name="Điều hướng chính")
    catalogue = menu.get_by_role("link", name="Thủ tục hành chính", exact=True)
    expect(catalogue).to_be_visible()
    keys.press("Escape")
    expect(catalogue).to_be_hidden()
    expect(toggle).to_be_focused()
    keys.press("Enter")
    expect(catalogue).to_be_visible()
    _tab_to(page, catalogue)
    keys.press("Enter")

    # ---- searches the catalogue and starts the dossier ----
    _tab_to(page, page.get_by_label("Tìm thủ tục"))
    keys.type(version.name)
    keys.press("Enter")
    _tab_to(page, page.get_by_role("link", name=version.name))
    keys.press("Enter")
    _tab_to(page, page.get_by_test_id("file-online"))
    keys.press("Enter")
    _tab_to(page, page.get_by_role("button", name="Bắt đầu nộp hồ sơ"))
    keys.press("Enter")

    # ---- the application form: a number typed, a checkbox ticked with Space ----
    _tab_to(page, page.get_by_role("link", name="Thông tin người nộp và tờ khai"))
    keys.press("Enter")
    _tab_to(page, page.get_by_label("Số bản đề nghị cấp"))
    keys.type("1")
    pledge = page.get_by_label("Tôi cam đoan những nội dung khai trên là đúng sự thật")
    _tab_to(page, pledge)
    keys.press("Space")
    expect(pledge).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Lưu và tiếp tục"))
    keys.press("Enter")
    expect(page.get_by_text("Đã lưu thông tin người nộp.")).to_be_visible()

    # ---- attaches a paper: Space on the file field opens the file chooser ----
    _tab_to(page, page.get_by_role("link", name="Đơn đề nghị cấp giấy phép"))
    keys.press("Enter")
    _tab_to(page, page.get_by_label("Chọn tệp (PDF, JPEG, PNG hoặc DOCX)"))
    application = tmp_path / "don-de-nghi.pdf"
    application.write_bytes(PDF_BYTES)
    with page.expect_file_chooser() as chooser:
        keys.press("Space")
    chooser.value.set_files(str(application))
    _tab_to(page, page.get_by_role("button", name="Tải lên"))
    keys.press("Enter")
    expect(page.get_by_text("Đã tải lên tệp cho “Đơn đề nghị cấp giấy phép”.")).to_be_visible()

    # ---- the delivery method: arrow keys move through the radio group ----
    _tab_to(page, page.get_by_role("link", name="Cách nhận kết quả"))
    keys.press("Enter")
    _tab_to(page, page.get_by_role("radio", checked=True))
    post = page.get_by_label("Nhận qua dịch vụ bưu chính công ích")
    for _ in range(3):  # the arrow moves the choice round the group
        if post.is_checked():
            break
        keys.press("ArrowDown")
    expect(page.get_by_label("Nhận qua dịch vụ bưu chính công ích")).to_be_checked()
    _tab_to(page, page.get_by_label("Địa chỉ nhận kết quả qua bưu chính"))
    keys.type("20 Yersin, phường Nha Trang")
    _tab_to(page, page.get_by_role("button", name="Lưu và tiếp tục"))
    keys.press("Enter")

    # ---- checks the answers and submits with Enter ----
    _tab_to(page, page.get_by_role("link", name="Kiểm tra và nộp hồ sơ"))
    keys.press("Enter")
    _tab_to(page, page.get_by_role("button", name="Nộp hồ sơ"))
    keys.press("Enter")
    expect(page.get_by_text("Đã nộp hồ sơ.")).to_be_visible()
    context.close()
