import datetime as dt

import httpx
import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import RequestFactory
from django.utils import timezone

from payments import http, services
from payments.models import BeneficiaryAccount
from portal.constants import Role
from tests.dossiers.conftest import _eager_tasks, _fresh_cache  # noqa: F401
from tests.dossiers.factories import Province, draft
from tests.portal.factories import officer_in


@pytest.fixture
def province(db):
    province = Province()
    BeneficiaryAccount.objects.create(
        agency=province.department,
        bank_bin="970415",
        bank_name="VietinBank",
        account_number="3711000020001",
        account_name="SO XAY DUNG",
    )
    province.finance = officer_in(province.department, Role.FINANCE_OFFICER, full_name="Lê Kế Toán")
    return province


@pytest.fixture
def simulators(settings):
    """The adapters reach the simulators over HTTP, served in-process by the WSGI application."""
    settings.SITE_URL = "http://testserver"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    http.transport = httpx.WSGITransport(app=WSGIHandler())
    yield
    http.transport = None
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def start_payment(province, dossier=None, provider="vnpay"):
    dossier = dossier or draft(province, province.citizen)
    request = RequestFactory().get("/")
    request.user = province.citizen
    payment, url = services.payment_start(
        dossier=dossier, actor=province.citizen, provider_id=provider, request=request
    )
    return payment, url


def later(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)
