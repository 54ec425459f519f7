import pytest
from playwright.sync_api import expect

from .conftest import login

pytestmark = pytest.mark.e2e


def test_officer_logs_in_on_a_phone_and_sees_intake_home(demo_site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    login(page, demo_site.url, "motcua")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào, Nguyễn Thị Một Cửa")
    expect(page.get_by_test_id("role-label")).to_have_text("Cán bộ một cửa")
    # Nothing overflows the 360 px viewport.
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_wrong_password_is_announced(demo_site, page):
    login(page, demo_site.url, "motcua", password="sai-mat-khau")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(alert).to_be_focused()


def test_citizen_logs_in_with_cccd_and_logs_out(demo_site, page):
    login(page, demo_site.url, "056090001234")
    expect(page.get_by_test_id("role-label")).to_have_text("Công dân / Tổ chức")
    menu = page.get_by_role("button", name="Mở menu")
    page.wait_for_load_state("load")  # the stylesheet decides whether the menu is folded
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()
