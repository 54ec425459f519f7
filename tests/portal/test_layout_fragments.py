"""The layout's fragments kept per process for anonymous pages: the same for every anonymous visitor, never
what belongs to one visitor (a signed-in user's menu, the address the language switch returns to)."""

import pytest
from django.urls import reverse

from portal.templatetags import layout

from .factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_store():
    layout.clear()
    yield
    layout.clear()


def test_anonymous_pages_reuse_the_header_rendered_once(client):
    first = client.get(reverse("home")).content.decode()
    keys = set(layout._fragments)
    assert {key[0] for key in keys} == {"assets", "header", "footer"}
    second = client.get(reverse("home")).content.decode()
    assert set(layout._fragments) == keys
    assert first == second


def test_an_anonymous_page_carries_nothing_of_the_visitor_but_the_way_back(client):
    from django.test import Client

    other = Client()
    mine = client.get(reverse("dossiers:lookup")).content.decode()
    theirs = other.get(reverse("dossiers:lookup"), {"ma": "X"}).content.decode()
    assert 'name="next" type="hidden" value="/ho-so/tra-cuu/"' in mine
    assert 'name="next" type="hidden" value="/ho-so/tra-cuu/?ma=X"' in theirs
    # the language switch needs no token: looking at a public page sets no CSRF cookie
    assert "csrfmiddlewaretoken" not in mine + theirs
    assert "csrftoken" not in client.cookies and "csrftoken" not in other.cookies


def test_the_language_switch_works_without_a_token(settings):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("set_language"), {"language": "en", "next": reverse("dossiers:lookup")})
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:lookup")
    assert strict.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Skip to main content" in strict.get(reverse("dossiers:lookup")).content.decode()


def test_the_current_public_page_is_marked_in_the_cached_menu(client):
    catalogue = client.get(reverse("procedures:catalogue")).content.decode()
    lookup = client.get(reverse("dossiers:lookup")).content.decode()
    active = 'class="nav-link active" aria-current="page" href="{}"'
    assert active.format(reverse("procedures:catalogue")) in catalogue
    assert active.format(reverse("dossiers:lookup")) not in catalogue
    assert active.format(reverse("dossiers:lookup")) in lookup
    assert active.format(reverse("procedures:catalogue")) not in lookup


def test_the_language_is_part_of_the_key(client, settings):
    vietnamese = client.get(reverse("dossiers:lookup")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("dossiers:lookup")).content.decode()
    assert "Bỏ qua, đến nội dung chính" in vietnamese
    assert "Skip to main content" in english
    assert "Bỏ qua, đến nội dung chính" not in english


def test_signed_in_users_never_get_the_anonymous_header(client):
    client.get(reverse("dossiers:lookup"))
    user = CitizenFactory(full_name="Trần Thị Bình")
    client.force_login(user)
    html = client.get(reverse("dossiers:lookup")).content.decode()
    assert "Trần Thị Bình" in html
    assert reverse("logout") in html
    assert reverse("register") not in html
    client.logout()
    html = client.get(reverse("dossiers:lookup")).content.decode()
    assert "Trần Thị Bình" not in html
    assert reverse("register") in html
