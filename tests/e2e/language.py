"""What a Vietnamese reader must never see: English left untranslated (Django's own messages, our forgotten
strings) and raw stored values (`cap_ii`, `awaiting_approval`) where a label belongs."""

from __future__ import annotations

import re

from playwright.sync_api import Page

# Words that occur in English sentences and never in Vietnamese ones.
ENGLISH = re.compile(
    r"\b(the|this|that|is|are|must|please|enter|field|required|password|characters?|invalid|valid|"
    r"your|you|should|cannot|can’t|select|choose|file|submit|error|not found|forbidden)\b",
    re.IGNORECASE,
)
# A stored value shown as it is: lower-case words joined by underscores.
RAW_VALUE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# Text that is English on purpose: the language switch and proper names.
ALLOWED = ("English",)


def visible_text(page: Page) -> str:
    """The page's text as read, without key names and code (`<kbd>Enter</kbd>` names a key, `<code>due_date</code>`
    a template variable: neither is English prose)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("kbd, code")].reduce(
             (text, key) => text.split(key.innerText).join(""), document.body.innerText)"""
    )


def language_problems(page: Page) -> list[str]:
    """Lines of the page in `page` that are English or show a raw stored value."""
    problems = []
    for line in visible_text(page).splitlines():
        text = line.strip()
        for allowed in ALLOWED:
            text = text.replace(allowed, "")
        if not text:
            continue
        if english := ENGLISH.search(text):
            problems.append(f"{page.url}: English “{english.group(0)}” in “{line.strip()[:120]}”")
        if raw := RAW_VALUE.search(text):
            problems.append(f"{page.url}: raw value “{raw.group(0)}” in “{line.strip()[:120]}”")
    return problems


def assert_vietnamese(page: Page) -> None:
    problems = language_problems(page)
    assert not problems, "\n".join(problems)
