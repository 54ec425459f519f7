"""Content-Security-Policy and Permissions-Policy on every page, and templates that need no inline code
(issue 17, finding 8)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .factories import UserFactory

ROOT = Path(settings.BASE_DIR)
# Rendered to PDF by WeasyPrint, never served to a browser: their inline styles are not under the policy.
PRINTED = "/pdf/"
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def _directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_pages_carry_a_strict_content_security_policy_and_a_permissions_policy(client, db):
    response = client.get(reverse("home"))

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions


def test_the_admin_may_use_inline_styles_but_never_inline_scripts(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    policy = _directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'"]


def test_the_api_documentation_loads_its_start_up_script_from_a_file(client, db):
    page = client.get(reverse("api-docs")).content.decode()
    assert not INLINE["inline <script>"].search(page)


def _templates() -> list[Path]:
    found = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    return sorted(path for path in found if PRINTED not in path.as_posix() and ".venv" not in path.parts)


def test_the_template_scan_covers_the_apps():
    apps = {path.relative_to(ROOT).parts[0] for path in _templates()}
    assert {"templates", "dossiers", "repository", "procedures"} <= apps


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_contains_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)}: {', '.join(found)} — move it to static/js or static/css"
