"""The English catalogue: pages switch to English with the language cookie and stay Vietnamese without it."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from dossiers.constants import DossierState
from tests.procedures.factories import published_version

pytestmark = pytest.mark.django_db

CATALOGUE = Path(django_settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def test_home_page_for_an_anonymous_visitor_in_english(english):
    response, html = page(english, reverse("home"))
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Provincial Public Service Portal" in html
    assert "Find an administrative procedure" in html
    assert "Register an account" in html
    assert "Skip to main content" in html
    assert "Cổng dịch vụ công tỉnh" not in html
    # The switcher offers the other language under its own name.
    assert 'name="language" value="vi"' in html and "Tiếng Việt" in html


def test_home_page_for_an_anonymous_visitor_in_vietnamese_by_default(client):
    response, html = page(client, reverse("home"))
    assert response["Content-Language"] == "vi"
    assert '<html lang="vi">' in html
    assert "Cổng dịch vụ công tỉnh" in html
    assert "Tìm thủ tục hành chính" in html
    assert "Provincial Public Service Portal" not in html
    assert 'name="language" value="en"' in html


def test_login_page_in_english(english):
    _, html = page(english, reverse("login"))
    assert "Log in" in html
    assert "Username or citizen ID number" in html
    assert "Password" in html
    assert "Forgotten your password?" in html
    assert "Register a citizen account" in html
    assert "Đăng nhập" not in html


def test_login_page_in_vietnamese_by_default(client):
    _, html = page(client, reverse("login"))
    assert "Đăng nhập" in html
    assert "Tên đăng nhập hoặc số CCCD" in html
    assert "Quên mật khẩu?" in html
    assert "Log in" not in html
    assert "Forgotten your password?" not in html


def test_procedure_catalogue_in_english(english):
    published_version()
    _, html = page(english, reverse("procedures:catalogue"))
    assert "Administrative procedures" in html
    assert "1 procedure found" in html
    assert "Filter by field, agency, level, service level" in html
    assert "Apply filters" in html
    assert "Thủ tục hành chính" not in html


def test_empty_search_of_the_catalogue_in_english(english):
    _, html = page(english, reverse("procedures:catalogue") + "?q=zzzz")
    assert "0 procedures found for “zzzz”" in html
    assert "No matching procedures found." in html


def test_procedure_catalogue_in_vietnamese_by_default(client):
    published_version()
    _, html = page(client, reverse("procedures:catalogue"))
    assert "Thủ tục hành chính" in html
    assert "Tìm thấy 1 thủ tục" in html
    assert "Administrative procedures" not in html
    assert "procedure found" not in html


def test_language_switcher_sets_the_cookie(client, settings):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    _, html = page(client, reverse("home"))
    assert "Provincial Public Service Portal" in html


def test_unknown_language_in_the_cookie_falls_back_to_vietnamese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response, html = page(client, reverse("home"))
    assert response["Content-Language"] == "vi"
    assert "Cổng dịch vụ công tỉnh" in html


def test_python_strings_are_translated():
    with translation.override("en"):
        assert str(DossierState.DRAFT.label) == "Draft"
        assert str(DossierState.DELIVERED.label) == "Result returned"
    with translation.override("vi"):
        assert str(DossierState.DRAFT.label) == "Đang soạn"


def _po_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file as {keyword: text}, header and obsolete entries left out."""
    entries, entry, keyword = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            if entry.get("msgid"):
                entries.append(entry)
            entry, keyword = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[keyword] += ast.literal_eval(line)
        else:
            keyword, _, text = line.partition(" ")
            entry[keyword] = ast.literal_eval(text)
    return entries


def test_every_entry_is_translated_and_compiled():
    entries = _po_entries(CATALOGUE / "django.po")
    assert entries
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    untranslated = []
    for entry in entries:
        if "msgid_plural" in entry:
            forms = [catalogue.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            if forms[0] == entry["msgid"] or forms[1] == entry["msgid_plural"]:
                untranslated.append(entry["msgid"])
        elif "msgctxt" in entry:
            if (
                not entry.get("msgstr")
                or catalogue.pgettext(entry["msgctxt"], entry["msgid"]) != entry["msgstr"]
            ):
                untranslated.append(entry["msgid"])
        elif not entry.get("msgstr") or catalogue.gettext(entry["msgid"]) != entry["msgstr"]:
            untranslated.append(entry["msgid"])
    assert untranslated == []
