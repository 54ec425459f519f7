"""Every `next` goes through portal.safe_url: a redirect target taken from a request never leaves the site."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from portal.demo import DEMO_PASSWORD
from portal.safe_url import is_safe_redirect, safe_next_url
from tests.dossiers.factories import Province, forwarded
from tests.portal.factories import CitizenFactory

OFF_SITE = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example/ho-so/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "///evil.example",
    " //evil.example/",
    "/\t/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "https://testserver.evil.example/",
    "https://evil.example@testserver.evil.example/",
    "\x00//evil.example",
]
ON_SITE = ["/", "/ho-so/xu-ly/?tab=cho-phan-cong&trang=2", "http://testserver/ho-so/cua-toi/"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back(target):
    request = RequestFactory().post("/", {"next": target})
    assert not is_safe_redirect(request, target)
    assert safe_next_url(request, fallback="/ve-trang-chu/") == "/ve-trang-chu/"


@pytest.mark.parametrize("target", ON_SITE)
def test_paths_of_this_site_are_followed(target):
    request = RequestFactory().get("/", {"next": target})
    assert safe_next_url(request, fallback="/ve-trang-chu/") == target


def test_over_https_an_http_target_on_our_host_is_refused(settings):
    settings.SECURE_SSL_REDIRECT = True
    request = RequestFactory().get("/", {"next": "http://testserver/ho-so/"})
    assert safe_next_url(request, fallback="/") == "/"
    request = RequestFactory().get("/", {"next": "https://testserver/ho-so/"})
    assert safe_next_url(request, fallback="/") == "https://testserver/ho-so/"


@pytest.fixture
def province(db):
    return Province()


@pytest.mark.parametrize("target", OFF_SITE[:6])
def test_bulk_assignment_goes_back_to_the_queue_not_off_site(client, province, target):
    # given a dossier waiting for assignment and a department head
    dossier = forwarded(province)
    client.force_login(province.approver)
    # when the head assigns it with a hostile `next`
    response = client.post(
        reverse("dossiers:bulk_assign"),
        {"ho_so": [dossier.pk], "specialist": province.specialist.pk, "next": target},
    )
    # then the assignment is done and the answer goes back to the work queue
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:work_queue")


def test_bulk_assignment_keeps_a_queue_url_with_its_filters(client, province):
    forwarded(province)
    client.force_login(province.approver)
    back = f"{reverse('dossiers:work_queue')}?tab=cho-phan-cong&q=abc"
    response = client.post(reverse("dossiers:bulk_assign"), {"next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("target", OFF_SITE[:6])
def test_login_does_not_follow_an_off_site_next(client, db, target):
    citizen = CitizenFactory()
    citizen.set_password(DEMO_PASSWORD)
    citizen.save()
    page = client.get(reverse("login"), {"next": target})
    assert 'name="next" value=""' in page.content.decode()
    response = client.post(
        reverse("login"), {"username": citizen.username, "password": DEMO_PASSWORD, "next": target}
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_login_follows_a_next_on_this_site(client, db):
    citizen = CitizenFactory()
    citizen.set_password(DEMO_PASSWORD)
    citizen.save()
    response = client.post(
        reverse("login"),
        {"username": citizen.username, "password": DEMO_PASSWORD, "next": reverse("dossiers:my_dossiers")},
    )
    assert response["Location"] == reverse("dossiers:my_dossiers")


@pytest.mark.parametrize("target", OFF_SITE[:6])
def test_logout_does_not_follow_an_off_site_next(client, db, target):
    client.force_login(CitizenFactory())
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.parametrize("target", OFF_SITE[:6])
def test_the_language_switch_does_not_follow_an_off_site_next(client, db, settings, target):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": target}, HTTP_REFERER="https://evil.example/"
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_language_switch_goes_back_to_the_page(client, db):
    page = f"{reverse('procedures:catalogue')}?q=khai+sinh"
    response = client.post(reverse("set_language"), {"language": "vi", "next": page})
    assert response["Location"] == page
    response = client.post(reverse("set_language"), {"language": "en"}, HTTP_REFERER=page)
    assert response["Location"] == page
