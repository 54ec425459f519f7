"""The public catalogue in a browser: search without diacritics, open a procedure, download a form template."""

import zipfile

import pytest
from playwright.sync_api import expect

from procedures import demo as catalogue_demo

pytestmark = pytest.mark.e2e


@pytest.fixture
def catalogue_site(demo_site):
    catalogue_demo.load()
    return demo_site


def test_citizen_finds_a_permit_without_diacritics_and_downloads_its_form(catalogue_site, page, tmp_path):
    # given the public catalogue
    page.goto(f"{catalogue_site.url}/thu-tuc/")
    # when a citizen types without diacritics
    page.get_by_label("Tìm thủ tục").fill("cap giay phep xay dung moi")
    page.get_by_role("button", name="Tìm", exact=True).click()
    # then the construction permit is found and the count is announced
    expect(page.get_by_test_id("result-count")).to_contain_text("Tìm thấy")
    link = page.get_by_role(
        "link", name="Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II"
    )
    expect(link).to_be_visible()
    # when the procedure is opened
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II"
    )
    expect(page.get_by_text("Mã 1.009972")).to_be_visible()
    components = page.get_by_test_id("components")
    expect(components).to_contain_text("Đơn đề nghị cấp giấy phép xây dựng")
    expect(page.get_by_text("150.000 ₫").first).to_be_visible()
    # and the form template is downloaded
    with page.expect_download() as download_info:
        components.get_by_role("link", name="Tải mẫu").first.click()
    download = download_info.value
    assert download.suggested_filename == "mau-01-don-de-nghi-cap-giay-phep-xay-dung.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        document = archive.read("word/document.xml").decode()
    assert "ĐƠN ĐỀ NGHỊ CẤP GIẤY PHÉP XÂY DỰNG" in document
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in document


def test_catalogue_works_without_javascript_on_a_phone(catalogue_site, browser):
    # given a 360 px phone with JavaScript off
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    page.goto(f"{catalogue_site.url}/thu-tuc/?q=dang+ky+khai+sinh")
    # when filtering by service level (the filters are a plain form)
    page.get_by_text("Lọc theo lĩnh vực, cơ quan, cấp, mức độ").click()
    page.get_by_label("Mức độ dịch vụ công").select_option(value="full_online")
    page.get_by_role("button", name="Áp dụng bộ lọc").click()
    # then the results are narrowed, the URL keeps the search and nothing overflows the screen
    expect(page.get_by_role("link", name="Đăng ký khai sinh", exact=True)).to_be_visible()
    assert "muc_do=full_online" in page.url and "q=dang+ky+khai+sinh" in page.url
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("link", name="Đăng ký khai sinh", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký khai sinh")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
