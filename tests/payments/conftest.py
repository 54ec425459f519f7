import datetime as dt

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db.backends.base.base import BaseDatabaseWrapper
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
def simulators(settings, monkeypatch):
    """The adapters reach the simulators over HTTP, served in-process by the WSGI application. The nested
    request must not close the test's database connection (its transaction holds the test's rows): Django's
    test client reconnects `close_old_connections` to the request signals, so the connections themselves are
    told to stay open."""
    settings.SITE_URL = "http://testserver"
    monkeypatch.setattr(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", lambda connection: None)
    http.transport = httpx.WSGITransport(app=WSGIHandler())
    yield
    http.transport = None


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
