import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.constants import Role

from .factories import AgencyFactory, CitizenFactory, officer_in


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
