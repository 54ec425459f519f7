"""Second factor for officers (TOTP, django-otp).

Officers handle personal data of citizens: once an officer has enrolled an authenticator app, every session
must be confirmed with a one-time code; with OFFICER_OTP_REQUIRED (on by default in production) an officer
without a device is sent to enrol before anything else.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def totp_device_start(*, user) -> TOTPDevice:
    """The officer's pending (unconfirmed) authenticator, created on first visit to enrolment."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return True


class OfficerSecondFactorMiddleware:
    """Keeps an officer's unverified session on the second-factor pages."""

    EXEMPT_NAMES = ("otp_verify", "otp_setup", "logout", "set_language", "healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_officer and not user.is_verified():
            exempt = [reverse(name) for name in self.EXEMPT_NAMES]
            path = request.path
            if path not in exempt and not path.startswith(settings.STATIC_URL):
                if has_confirmed_device(user):
                    return redirect(f"{reverse('otp_verify')}?next={path}")
                if settings.OFFICER_OTP_REQUIRED:
                    return redirect("otp_setup")
        return self.get_response(request)
