"""Layout checks a browser test can call on any page: nothing may make a page scroll sideways on a 360 px phone
or a 1,280 px laptop; and a crawler that lists the pages a signed-in person reaches by following links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

WIDTHS = (360, 1280)

# The elements that stick out of the window, to name the culprit when a page scrolls sideways.
_OVERFLOW = """
(width) => {
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1) continue;
    wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} → ${Math.round(box.right)} px`);
    if (wide.length >= 5) break;
  }
  return {scroll: document.documentElement.scrollWidth, wide};
}
"""


def horizontal_overflow(page: Page, width: int) -> dict:
    """Resize the window to `width` and measure how far the page reaches past its right edge."""
    page.set_viewport_size({"width": width, "height": 800})
    return page.evaluate(_OVERFLOW, width)


def overflow_problems(page: Page, widths: tuple[int, ...] = WIDTHS) -> list[str]:
    """At which widths the page in `page` scrolls sideways, and what sticks out (the window is resized, the
    page is not reloaded: the same DOM is laid out again)."""
    page.wait_for_load_state("load")
    problems = []
    for width in widths:
        measured = horizontal_overflow(page, width)
        if measured["scroll"] > width:
            culprits = "; ".join(measured["wide"])
            problems.append(f"{page.url} at {width} px is {measured['scroll']} px wide: {culprits}")
    return problems


def assert_fits(page: Page, widths: tuple[int, ...] = WIDTHS) -> None:
    """The page in `page` scrolls only vertically on a 360 px phone and a 1,280 px laptop."""
    problems = overflow_problems(page, widths)
    assert not problems, "\n".join(problems)


# Links a crawl never follows: they change state (logout, language), leave our pages (Django's own admin,
# the API's browsable pages and schema) or download a file.
SKIP = re.compile(r"^/(quan-tri/|api/|i18n/|dang-xuat/|static/|media/)")


def _shape(path: str, query: str) -> str:
    """Pages that differ only by an id are one page for layout purposes (every dossier page is the same
    template); a different tab or filter is another."""
    return re.sub(r"\d+", "N", path) + ("?" + re.sub(r"\d+", "N", query) if query else "")


def crawl(page: Page, base_url: str, start: list[str], *, limit: int = 60) -> Iterator[str]:
    """Visit the pages (HTML, same site, answered 200) reached from `start` by following links, one per
    shape, breadth first; yields each URL while its page is loaded in `page`."""
    seen: set[str] = set()
    queue = list(start)
    visited = 0
    while queue and visited < limit:
        url = urljoin(base_url, queue.pop(0))
        parts = urlsplit(url)
        if parts.netloc != urlsplit(base_url).netloc or SKIP.match(parts.path):
            continue
        key = _shape(parts.path, parts.query)
        if key in seen:
            continue
        seen.add(key)
        try:
            response = page.goto(url)
        except PlaywrightError:  # a download starts instead of a page
            continue
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if response.status >= 400:
            continue
        visited += 1
        yield url
        hrefs = page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
        )
        for href in hrefs:
            if href and not href.startswith(("#", "mailto:", "tel:", "javascript:")):
                queue.append(urljoin(url, href.split("#")[0]))
