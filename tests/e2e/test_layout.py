"""Every page every role reaches fits a 360 px phone and a 1,280 px laptop without scrolling sideways, speaks
Vietnamese (no English left untranslated, no raw stored value where a label belongs) and passes the
accessibility gate (tests/e2e/accessibility.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from .accessibility import accessibility_problems
from .conftest import login
from .language import language_problems
from .layout import crawl, overflow_problems
from .world import DemoProvince, dossiers_at_every_desk_stage

pytestmark = pytest.mark.e2e

# One demo account per role (README, Demo logins); None is the public visitor.
ACCOUNTS = [
    None,
    "056090001234",
    "motcua",
    "motcua.nhatrang",
    "chuyenvien.sxd",
    "lanhdaophong.sxd",
    "giamdoc.sxd",
    "lanhdaotinh",
    "quantri",
    "buudien",
]


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda account: account or "visitor")
def test_every_page_of_the_role_fits_speaks_vietnamese_and_passes_the_accessibility_gate(
    demo_site, browser, account
):
    """Every page the role reaches: no sideways scrolling at 360 and 1,280 px and no English or raw value; each
    template (one page per URL name) also through the accessibility gate at both widths."""
    dossiers_at_every_desk_stage(DemoProvince())
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    start = ["/", "/dang-nhap/", "/dang-ky/", "/quen-mat-khau/"]
    if account:
        login(page, demo_site.url, account)
        start = ["/", "/tai-khoan/", "/doi-mat-khau/"]
    problems: list[str] = []
    audited: set[str] = set()
    visited = 0
    for url in crawl(page, demo_site.url, start, limit=45):
        visited += 1
        problems.extend(language_problems(page))
        template = resolve(urlsplit(url).path).view_name
        if template in audited:
            problems.extend(overflow_problems(page))
        else:
            audited.add(template)
            problems.extend(f"{url} {problem}" for problem in accessibility_problems(page))
    context.close()
    # The crawl reached the role's pages (not only the home page), so a pass means something.
    assert visited >= 4 and len(audited) >= 4, (visited, audited)
    assert not problems, "\n".join(problems)
