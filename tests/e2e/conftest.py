import pytest
from django.core.cache import cache

from portal import demo


@pytest.fixture
def demo_site(transactional_db, live_server):
    """The demo province served by a live server, for browser tests (the cache starts empty: the home page's
    figures are cached)."""
    cache.clear()
    demo.load()
    return live_server


def login(page, base_url: str, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập hoặc số CCCD").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(page):
    """Every browser test also checks that nothing on its pages was refused by the Content-Security-Policy
    (an inline style or script left in a template, htmx injecting styles, a script from elsewhere)."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert not refused, "Content-Security-Policy violations:\n" + "\n".join(refused)
