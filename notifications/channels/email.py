"""E-mail through Django's configured backend (SMTP in production), HTML with a plain-text part."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from . import ChannelError, Sent


class EmailChannel:
    def send(self, notification) -> Sent:
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body
            + (f"\n\n{settings.SITE_URL}{notification.link}" if notification.link else ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            headers={"X-Notification-Key": notification.request_id},
        )
        if notification.html:
            message.attach_alternative(notification.html, "text/html")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(
                f"Máy chủ thư từ chối địa chỉ: {exc}", code="recipient_refused", retry=False
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"Không gửi được thư: {exc}", code=type(exc).__name__) from exc
        return Sent(provider_message_id=message.extra_headers.get("Message-ID", ""))
