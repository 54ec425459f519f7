import re

import pytest

from notifications import contacts, services
from notifications.models import SimulatedMessage
from tests.dossiers.factories import Province


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (verification codes) live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def province(db):
    return Province()


@pytest.fixture
def deliver_after_commit(django_capture_on_commit_callbacks):
    """Run what the transactions scheduled (the outbox dispatch, hence the delivery tasks, in process)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def last_code(phone_84: str) -> str:
    message = SimulatedMessage.objects.filter(provider="esms", phone=phone_84).order_by("-pk").first()
    assert message is not None, "no SMS reached the simulator"
    return re.search(r"\b(\d{6})\b", message.content).group(1)


def verify_phone(user, phone: str, deliver_after_commit) -> None:
    """The person enters a phone, receives the code by SMS (through the simulator) and types it back."""
    deliver_after_commit(contacts.contact_verification_start, user=user, kind="phone", value=phone)
    contacts.contact_verify(user=user, kind="phone", code=last_code("84" + phone[1:]))


def verify_email(user, address: str, deliver_after_commit, mailoutbox) -> None:
    deliver_after_commit(contacts.contact_verification_start, user=user, kind="email", value=address)
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    contacts.contact_verify(user=user, kind="email", code=code)


@pytest.fixture
def sms_citizen(province, deliver_after_commit):
    """The province's citizen with a verified phone who chose SMS for every kind."""
    citizen = province.citizen
    verify_phone(citizen, "0905123456", deliver_after_commit)
    services.preferences_save(
        user=citizen, choices={kind: ["sms"] for kind in ["submitted", "received", "supplement_requested"]}
    )
    return citizen
