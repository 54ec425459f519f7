"""Phone numbers and e-mail addresses for notifications, each used only after the person typed back the code
sent to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from portal.errors import ApplicationError
from portal.validators import validate_phone

from .constants import Channel, ContactKind, Kind
from .models import ContactVerification, Subscriber
from .services import Target, notify, subscriber_for

CODE_MINUTES = 15
MAX_FAILED = 5


def _hash(verification_pk: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{verification_pk}:{code}".encode(), hashlib.sha256).hexdigest()


def _error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, extra={"errors": {field: message}})


def normalise(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == ContactKind.PHONE:
        value = value.replace(" ", "").replace(".", "")
        if value.startswith("+84"):
            value = "0" + value[3:]
        elif value.startswith("84") and len(value) == 11:
            value = "0" + value[2:]
        try:
            validate_phone(value)
        except ValidationError as exc:
            raise _error("value", exc.messages[0]) from exc
        if not value:
            raise _error("value", "Nhập số điện thoại di động.")
        return value
    try:
        EmailValidator()(value)
    except ValidationError as exc:
        raise _error("value", "Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.vn).") from exc
    return value.lower()


def contact_verification_start(*, user, kind: str, value: str) -> ContactVerification:
    """Send a 6-digit code to the phone (SMS) or address (e-mail), valid CODE_MINUTES minutes. How many codes
    a client or an account may ask for is limited by the pages (portal/ratelimit.py), which know the client."""
    if kind not in ContactKind.values:
        raise _error("kind", "Chọn số điện thoại hoặc thư điện tử.")
    value = normalise(kind, value)
    now = timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        verification = ContactVerification.objects.create(
            user=user,
            kind=kind,
            value=value,
            code_hash="",
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        verification.code_hash = _hash(verification.pk, code)
        verification.save(update_fields=["code_hash"])
        channel = Channel.SMS if kind == ContactKind.PHONE else Channel.EMAIL
        notify(
            kind=Kind.CONTACT_CODE,
            event_key=f"contact-code:{verification.pk}",
            recipients=[user],
            context={"verification_code": code},
            targets=[Target(channel, value)],
        )
    return verification


def contact_verify(*, user, kind: str, code: str) -> Subscriber:
    """Check the code typed back; the address becomes the verified one for notifications."""
    now = timezone.now()
    with transaction.atomic():
        verification = (
            ContactVerification.objects.select_for_update()
            .filter(user=user, kind=kind, verified_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-pk")
            .first()
        )
        if verification is None or verification.failed_attempts >= MAX_FAILED:
            raise _error("code", "Mã đã hết hạn hoặc chưa được gửi. Hãy gửi lại mã.", code="code_expired")
        if not hmac.compare_digest(verification.code_hash, _hash(verification.pk, (code or "").strip())):
            verification.failed_attempts += 1
            verification.save(update_fields=["failed_attempts"])
            raise _error("code", "Mã xác minh không đúng.", code="wrong_code")
        verification.verified_at = now
        verification.save(update_fields=["verified_at"])
        subscriber = subscriber_for(user)
        if kind == ContactKind.PHONE:
            subscriber.phone, subscriber.phone_verified_at = verification.value, now
        else:
            subscriber.email, subscriber.email_verified_at = verification.value, now
        subscriber.save()
    return subscriber
