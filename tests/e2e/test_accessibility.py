"""The accessibility gate over every role's pages, the gate's own test, and a keyboard-only filing journey.

Each role's pages are found as a person finds them: from the home page, following the links on every page
reached (one page per URL name, so each template is audited once per role), at 360 px and 1,280 px.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

from .accessibility import assert_accessible, audit
from .conftest import login

pytestmark = pytest.mark.e2e

ROLES = {
    "anonymous": None,
    "citizen": "056090001234",
    "intake officer": "motcua",
    "commune intake officer": "motcua.nhatrang",
    "specialist": "chuyenvien.sxd",
    "department head": "lanhdaophong.sxd",
    "agency leader": "giamdoc.sxd",
    "province leader": "lanhdaotinh",
    "postal officer": "buudien",
    "administrator": "quantri",
}
# Not pages of the portal's own design (Django's admin, the API browser) or not pages at all.
SKIPPED_NAMESPACES = {"admin", "api", "api-docs", "api-schema"}
SKIPPED_NAMES = {"logout", "set_language", "healthz", "api-schema", "api-docs"}
PAGES_PER_ROLE = 40


def _url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if set(match.namespaces) & SKIPPED_NAMESPACES or match.url_name in SKIPPED_NAMES:
        return None
    if path.startswith("/api/"):
        return None
    return match.view_name


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == base and not href.startswith("#"):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _crawl_and_audit(page, base: str) -> list[str]:
    """Visit every page a person can reach by links, one per URL name; audit each. Returns the names seen."""
    seen: set[str] = set()
    queue = deque(["/"])
    failures: list[str] = []
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.popleft()
        name = _url_name(path.split("?")[0])
        if name is None or name in seen:
            continue
        seen.add(name)
        response = page.context.request.get(base + path)
        if not response.ok or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(base + path)
        page.wait_for_load_state("load")
        try:
            assert_accessible(page)
        except AssertionError as problem:
            failures.append(str(problem))
        queue.extend(_links(page, base))
    assert not failures, "\n\n".join(failures)
    return sorted(seen)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_role_passes_the_accessibility_gate(demo_site, browser, role):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    if ROLES[role]:
        login(page, demo_site.url, ROLES[role])
    seen = _crawl_and_audit(page, demo_site.url)
    # The crawl really walked the role's pages, not only the home page.
    assert len(seen) >= 4, seen
    context.close()


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
    problems = "\n".join(audit(page))
    assert "image-alt" in problems  # axe: an image without a text alternative
    assert "label" in problems  # axe: a field without a label
    assert "names missing #phone-hint" in problems  # a hint that does not exist
    assert "personal-data field phone has no autocomplete" in problems
    assert "page scrolls sideways" in problems
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
    assert audit(page) == []


def _tab_to(page, target, *, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, as a keyboard user moves through the page."""
    page.wait_for_load_state("load")
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{target} cannot be reached with the keyboard")


def test_a_citizen_files_a_dossier_with_the_keyboard_alone(demo_site, browser, tmp_path):
    import datetime as dt

    from playwright.sync_api import expect

    from portal.models import Agency
    from tests.dossiers.factories import PDF_BYTES
    from tests.procedures.factories import published_version

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
