"""What a login costs besides the password hash: one hash, a handful of queries, nothing written twice.

Profiled: the password hash (PBKDF2, Django's iteration count) is almost the whole of a login request; axes'
lockout check, the session and the audit of the success are a few queries around it. This keeps it so."""

from __future__ import annotations

from unittest import mock

from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.demo import DEMO_PASSWORD
from tests.portal.factories import CitizenFactory


def _post_login(client, username):
    with (
        mock.patch.object(
            MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify
        ) as hashed,
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    return response, hashed.call_count, len(queries)


def test_a_login_hashes_the_password_once_and_runs_few_queries(client, db):
    citizen = CitizenFactory()
    citizen.set_password(DEMO_PASSWORD)
    citizen.save()
    response, hashes, queries = _post_login(client, citizen.username)
    assert response.status_code == 302
    assert hashes == 1
    assert queries <= 20, queries


def test_registration_hashes_the_password_once(client, db):
    with mock.patch.object(
        MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode
    ) as hashed:
        response = client.post(
            reverse("register"),
            {
                "cccd": "056095012399",
                "full_name": "Lê Thị Hoa",
                "phone": "0905111222",
                "address": "20 Yersin, phường Nha Trang",
                "password1": "Hoa@Khanhhoa2026",
                "password2": "Hoa@Khanhhoa2026",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert hashed.call_count == 1
