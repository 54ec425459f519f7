"""Delivery channels behind one interface: `adapter_for(channel).send(notification) -> Sent`, raising
`ChannelError` with the provider's code and whether the row should be tried again, dropped, or (Zalo without
an account) sent by SMS instead.

Production adapters speak HTTP to the providers (httpx). With NOTIFY_SIMULATORS on (development, tests) the
same adapters talk to the local simulators in `notifications.simulators` through an in-process transport,
so the requests and replies are the real protocol's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from ..models import Notification


@dataclass(frozen=True)
class Sent:
    provider_message_id: str = ""


class ChannelError(Exception):
    """A provider refused or could not be reached. `retry`: a passing problem (try again later);
    `fallback`: the address cannot receive on this channel, send by SMS instead."""

    def __init__(self, message: str, *, code: str = "", retry: bool = True, fallback: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry = retry
        self.fallback = fallback


class Adapter(Protocol):
    def send(self, notification: Notification) -> Sent: ...


def http_transport():
    """With NOTIFY_SIMULATORS on: the simulators' in-process transport, or real HTTP to them with the
    WSGI-safe header copies (NOTIFY_SIMULATOR_TRANSPORT=http). Otherwise the network, as it is."""
    if settings.NOTIFY_SIMULATORS:
        from ..simulators import SimulatorHttpTransport, SimulatorTransport

        if settings.NOTIFY_SIMULATOR_TRANSPORT == "http":
            return SimulatorHttpTransport()
        return SimulatorTransport()
    return None


def adapter_for(channel: str) -> Adapter:
    from ..constants import Channel
    from .email import EmailChannel
    from .inbox import InboxChannel
    from .sms import EsmsChannel
    from .zalo import ZaloZnsChannel

    return {
        Channel.INBOX: InboxChannel,
        Channel.EMAIL: EmailChannel,
        Channel.SMS: EsmsChannel.from_settings,
        Channel.ZALO: ZaloZnsChannel.from_settings,
    }[channel]()


def phone_84(phone: str) -> str:
    """0905123456 → 84905123456 (international format without “+”, as Zalo and eSMS expect)."""
    digits = "".join(c for c in phone if c.isdigit())
    if digits.startswith("84"):
        return digits
    if digits.startswith("0"):
        return "84" + digits[1:]
    return digits
