"""Second factor for officers (TOTP, django-otp).

Officers handle personal data of citizens: once an officer has enrolled an authenticator app, every session
must be confirmed with a one-time code; with OFFICER_OTP_REQUIRED (on by default in production) an officer
without a device is sent to enrol before anything else.

A password alone never adds or replaces a device: an officer without any device may enrol once (first
enrolment); after that, a new device needs a session already confirmed with the existing one, or an
administrator's reset (`second_factor_reset`: admin action or `manage.py otp_reset`), which is written to the
admin history of the account.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from .errors import NotPermitted, problem_response

logger = logging.getLogger("portal.security")


class EnrolmentRefused(NotPermitted):
    """A device may not be added without the existing second factor."""

    def __init__(self):
        super().__init__(
            _("Hãy xác thực phiên làm việc bằng ứng dụng xác thực đang dùng trước khi thêm thiết bị.")
        )


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def can_enrol_device(user) -> bool:
    """First enrolment, or a session already confirmed with the officer's existing device."""
    return not has_confirmed_device(user) or bool(getattr(user, "is_verified", lambda: False)())


def totp_device_start(*, user) -> TOTPDevice:
    """The officer's pending (unconfirmed) authenticator, created on first visit to enrolment."""
    if not can_enrol_device(user):
        raise EnrolmentRefused()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)


def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with its first code; it replaces any device the officer had.

    The account row is locked so that two sessions racing through a first enrolment cannot both
    end up with a confirmed device: the second one finds the first's device and is refused.
    """
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if device.user_id != user.pk or not can_enrol_device(user):
            raise EnrolmentRefused()
        if not device.verify_token(token.strip()):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return True


def second_factor_reset(*, user, actor) -> int:
    """An administrator removes an officer's authenticator devices so that the officer can enrol again.

    Recorded in the admin history of the account (who, when) and in the security log.
    Returns the number of devices removed.
    """
    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=f"Đặt lại xác thực hai bước: xóa {removed} thiết bị.",
            single_object=True,
        )
    logger.warning("second factor reset: user=%s by=%s devices=%s", user.pk, actor.pk, removed)
    return removed


class OfficerSecondFactorMiddleware:
    """Keeps an officer's unverified session on the second-factor pages.

    An account with a confirmed device reaches only the verify page (and logout, the language switch);
    an account without one may reach the enrolment page too.
    """

    ALWAYS_OPEN = ("otp_verify", "logout", "set_language", "healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_officer and not user.is_verified():
            path = request.path
            if path.startswith(settings.STATIC_URL):
                return self.get_response(request)
            open_paths = {reverse(name) for name in self.ALWAYS_OPEN}
            needs_code = has_confirmed_device(user)
            if path.startswith("/api/") and (needs_code or settings.OFFICER_OTP_REQUIRED):
                # The API answers, it does not send a program to a page: 403 with the reason.
                return problem_response(
                    status=403,
                    title=_("Phiên làm việc chưa xác thực hai bước: xác nhận mã trên trang đăng nhập trước."),
                    code="second_factor_required",
                )
            if needs_code:
                if path not in open_paths:
                    return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.get_full_path()})}")
            elif path not in open_paths | {reverse("otp_setup")} and settings.OFFICER_OTP_REQUIRED:
                return redirect("otp_setup")
        return self.get_response(request)
