import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.constants import Role
from portal.second_factor import EnrolmentRefused, totp_device_confirm, totp_device_start

from .factories import PASSWORD, AgencyFactory, CitizenFactory, UserFactory, officer_in


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def officer(db):
    return officer_in(AgencyFactory(), Role.INTAKE_OFFICER)


def test_enrolled_officer_must_enter_a_code_before_working(client, officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = (
        0  # the growing delay after a wrong code is django-otp's own, tested there
    )
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    client.force_login(officer)
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))

    response = client.post(reverse("otp_verify"), {"token": "000000", "next": reverse("profile")})
    assert "Mã xác thực không đúng hoặc đã hết hạn." in response.content.decode()

    response = client.post(reverse("otp_verify"), {"token": _code(device), "next": reverse("profile")})
    assert response.status_code == 302 and response.url == reverse("profile")
    assert client.get(reverse("profile")).status_code == 200


def test_officer_without_device_is_sent_to_enrol_when_required(client, officer, settings):
    settings.OFFICER_OTP_REQUIRED = True
    client.force_login(officer)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("otp_setup")

    page = client.get(reverse("otp_setup"))
    assert "data:image/png;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    client.post(reverse("otp_setup"), {"token": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_next_parameter_cannot_leave_the_site(client, officer):
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    client.force_login(officer)
    response = client.post(reverse("otp_verify"), {"token": _code(device), "next": "https://evil.example/"})
    assert response.url == "/"


def test_citizens_are_not_asked_for_a_second_factor(client, db, settings):
    settings.OFFICER_OTP_REQUIRED = True
    client.force_login(CitizenFactory())
    assert client.get(reverse("home")).status_code == 200


# Issue 17, finding 1: a password alone never adds a second device.


def _password_only_session(client, officer):
    assert client.login(username=officer.username, password=PASSWORD)


def test_password_alone_cannot_enrol_a_new_device_over_an_existing_one(client, officer):
    # given an officer with a confirmed authenticator and an attacker holding only the password
    device = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    _password_only_session(client, officer)

    # when the attacker tries the bypass: open the set-up page, take its secret, confirm a code from it
    page = client.get(reverse("otp_setup"))
    forged = TOTPDevice(user=officer, key=TOTPDevice().key)
    confirm = client.post(reverse("otp_setup"), {"token": _code(forged)})

    # then both answers lead to the verify page, no secret was shown, and the session is not in
    assert page.status_code == 302 and page.url.startswith(reverse("otp_verify"))
    assert confirm.status_code == 302 and confirm.url.startswith(reverse("otp_verify"))
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home.url.startswith(reverse("otp_verify"))
    assert list(TOTPDevice.objects.filter(user=officer)) == [device]


def test_enrolment_service_refuses_an_unverified_session_of_an_enrolled_officer(officer):
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    officer.is_verified = lambda: False
    with pytest.raises(EnrolmentRefused):
        totp_device_start(user=officer)
    pending = TOTPDevice.objects.create(user=officer, name="pending", confirmed=False)
    with pytest.raises(EnrolmentRefused):
        totp_device_confirm(user=officer, device=pending, token=_code(pending))
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).count() == 1


@pytest.mark.parametrize("name", ["home", "profile", "otp_setup", "dossiers:lookup"])
def test_unverified_session_of_an_enrolled_officer_reaches_only_the_verify_page(client, officer, name):
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    _password_only_session(client, officer)
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    assert client.get(reverse("otp_verify")).status_code == 200


def test_first_enrolment_happens_once(client, officer):
    # given an officer without a device who enrols from one session
    _password_only_session(client, officer)
    client.get(reverse("otp_setup"))
    first = TOTPDevice.objects.get(user=officer)
    client.post(reverse("otp_setup"), {"token": _code(first)})

    # when a second, password-only session tries to enrol again
    other = Client()
    _password_only_session(other, officer)
    response = other.get(reverse("otp_setup"))

    # then it is sent to the verify page and the account keeps its one device
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    assert list(TOTPDevice.objects.filter(user=officer).values_list("pk", "confirmed")) == [(first.pk, True)]


def test_a_verified_session_replaces_the_device(client, officer):
    old = TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    _password_only_session(client, officer)
    client.post(reverse("otp_verify"), {"token": _code(old)})

    assert client.get(reverse("otp_setup")).status_code == 200
    new = TOTPDevice.objects.get(user=officer, confirmed=False)
    client.post(reverse("otp_setup"), {"token": _code(new)})

    assert list(TOTPDevice.objects.filter(user=officer).values_list("pk", flat=True)) == [new.pk]


def test_administrator_reset_allows_enrolment_again_and_is_recorded(client, officer):
    # given an officer who lost the phone, and an administrator
    TOTPDevice.objects.create(user=officer, name="lost phone", confirmed=True)
    admin = UserFactory(is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin)

    # when the administrator resets the officer's second factor in the admin
    admin_client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [officer.pk]},
    )

    # then the devices are gone, the reset is in the account's history, and the officer enrols again
    assert not TOTPDevice.objects.filter(user=officer).exists()
    entry = LogEntry.objects.get(object_id=str(officer.pk))
    assert entry.user == admin and "xác thực hai bước" in entry.change_message
    _password_only_session(client, officer)
    assert client.get(reverse("otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    client.post(reverse("otp_setup"), {"token": _code(device)})
    assert client.get(reverse("home")).status_code == 200
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).count() == 1


def test_reset_command_needs_an_administrator(officer):
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    with pytest.raises(CommandError):
        call_command("otp_reset", officer.username, by=officer.username)
    assert TOTPDevice.objects.filter(user=officer).exists()

    admin = UserFactory(is_staff=True, is_superuser=True)
    call_command("otp_reset", officer.username, by=admin.username, stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert LogEntry.objects.filter(object_id=str(officer.pk), user=admin).exists()


def test_a_second_session_racing_through_the_first_enrolment_is_refused(client, officer):
    # given two password-only sessions on the set-up page of an officer without a device
    other = Client()
    _password_only_session(client, officer)
    _password_only_session(other, officer)
    client.get(reverse("otp_setup"))
    other.get(reverse("otp_setup"))
    pending = TOTPDevice.objects.get(user=officer)

    # when the first confirms, then the second posts a code
    client.post(reverse("otp_setup"), {"token": _code(pending)})
    late = other.post(reverse("otp_setup"), {"token": _code(pending)})

    # then the second is sent to the verify page, unverified, and the account has one device
    assert late.status_code == 302 and late.url.startswith(reverse("otp_verify"))
    assert other.get(reverse("home")).url.startswith(reverse("otp_verify"))
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_the_api_answers_an_unverified_officer_session_with_403(client, officer):
    TOTPDevice.objects.create(user=officer, name="app", confirmed=True)
    client.force_login(officer)
    response = client.get("/api/ho-so/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:problem:second_factor_required"
