"""Citizen login through the national SSO (OIDC authorization code, state, nonce, PKCE) against the simulator IdP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from portal.constants import IdentitySource
from portal.models import NationalIdentity, User

from .factories import CitizenFactory


def _authorize(client, identity="moi"):
    """Start the login and pick an identity on the simulator's page; returns the callback URL."""
    start = client.get("/dang-nhap/vneid/")
    assert start.status_code == 302
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["acr_values"] == ["LoA1"]
    assert query["state"] and query["nonce"] and query["code_challenge"]
    form = {k: v[0] for k, v in query.items()} | {"identity": identity}
    picked = client.post(urlsplit(start["Location"]).path, form)
    assert picked.status_code == 302
    return picked["Location"]


@pytest.mark.django_db
def test_first_login_creates_a_verified_account_later_logins_find_it_by_subject(client, http_to_django):
    back = _authorize(client)
    response = client.get(back)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(cccd="056198007777")
    assert user.full_name == "Phạm Minh Châu" and user.identity_source == IdentitySource.NATIONAL_SSO
    assert not user.has_usable_password()
    assert NationalIdentity.objects.get(user=user).subject == "vneid-90c1e7aa"
    # a later login with the same subject signs in the same account, even after the number was changed here
    client.logout()
    User.objects.filter(pk=user.pk).update(full_name="Tên khác")
    client.get(_authorize(client))
    assert int(client.session["_auth_user_id"]) == user.pk
    assert User.objects.filter(cccd="056198007777").count() == 1


@pytest.mark.django_db
def test_an_existing_password_account_is_linked_by_identification_number_and_represents_the_company(
    client, http_to_django
):
    existing = CitizenFactory(
        cccd="056090001234", username="056090001234", full_name="Nguyễn Văn An", unverified=True
    )
    client.get(_authorize(client, "an-doanh-nghiep"))
    existing.refresh_from_db()
    assert existing.identity_source == IdentitySource.NATIONAL_SSO
    # whoever set the password of the unverified registration no longer opens the verified account
    assert not existing.has_usable_password()
    assert int(client.session["_auth_user_id"]) == existing.pk
    membership = existing.organisation_memberships.get()
    assert membership.organisation.tax_code == "4201234566" and membership.is_legal_representative


@pytest.mark.django_db
def test_a_wrong_state_is_refused(client, http_to_django):
    back = _authorize(client)
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    response = client.get(f"{parts.path}?code={query['code'][0]}&state=forged")
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_wrong_nonce_is_refused(client, http_to_django):
    back = _authorize(client)
    session = client.session
    key = next(k for k in session.keys() if k.startswith("_state_national_sso_"))  # noqa: SIM118 — not a dict
    stored = session[key]
    stored["data"]["nonce"] = "not-the-nonce-sent"
    session[key] = stored
    session.save()
    response = client.get(back)
    assert response["Location"] == "/dang-nhap/" and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_replayed_code_is_refused(client, http_to_django):
    from django.test import Client

    back = _authorize(client)
    client.get(back)
    assert "_auth_user_id" in client.session
    # the same code presented again (another browser that captured the callback URL) is refused by the IdP
    other = Client()
    code = parse_qs(urlsplit(back).query)["code"][0]
    replay = other.post(
        "/mo-phong/vneid/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://testserver/dang-nhap/vneid/ket-qua/",
            "client_id": "tinh-dvc-mo-phong",
            "client_secret": "mo-phong-bi-mat",
            "code_verifier": "x" * 43,
        },
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # and replaying the callback itself finds no state in the session any more
    again = client.get(back)
    assert again["Location"] == "/dang-nhap/"


@pytest.mark.django_db
def test_officers_keep_their_local_login(client, http_to_django):
    from .factories import UserFactory

    UserFactory(cccd="056198007777", username="canbo")
    client.get(_authorize(client))
    assert "_auth_user_id" not in client.session
