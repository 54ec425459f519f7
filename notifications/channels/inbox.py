"""The portal inbox: the row itself is the message, visible as soon as its transaction commits."""

from __future__ import annotations

from . import Sent


class InboxChannel:
    def send(self, notification) -> Sent:
        return Sent()
