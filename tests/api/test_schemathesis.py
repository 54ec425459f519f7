"""The API against its own published schema (schemathesis): whatever the input, anonymous or logged in, no
answer is a server error, and every status, content type and body is one the schema documents.

Generated from the live schema (the one `.ci/run` compares with docs/openapi.yaml) and run through the Django
WSGI application, over a small province: a citizen with a received dossier and a Kho document, an officer of
the desk that received it. Unsafe methods need no CSRF token here: the two POST operations (lookup, verify)
are public and take no session.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.dossiers.factories import Province, received
from tests.repository.conftest import store

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Bounded so the three runs stay under two minutes on two cores; derandomized so a failure repeats.
BOUNDED = hypothesis_settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection around each request; in a test that would close the
    test's transaction (PostgreSQL). Django's test client turns this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def province(db, _media_root):
    province = Province()
    received(province)
    store(province.citizen, title="Giấy khai sinh")
    return province


def published_schema() -> dict:
    """The schema /api/schema/ serves, built without a request (no database needed at collection)."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(published_schema())
schema.app = get_wsgi_application()


def session_cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


@schema.parametrize()
@BOUNDED
def test_anonymous(case, province):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_citizen(case, province):
    case.call_and_validate(checks=CHECKS, cookies=session_cookie(province.citizen))


@schema.parametrize()
@BOUNDED
def test_officer(case, province):
    case.call_and_validate(checks=CHECKS, cookies=session_cookie(province.officer))
