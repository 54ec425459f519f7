import pytest

from portal import demo


@pytest.fixture
def demo_site(transactional_db, live_server):
    """The demo province served by a live server, for browser tests."""
    demo.load()
    return live_server


def login(page, base_url: str, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập hoặc số CCCD").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
