"""The contract every payment provider implements: start → redirect or QR, browser return, server
notification, status query, refund. One module per provider in `contrib/<provider>/`, registered in
`registry`. Adapters speak HTTP and sign; the rules (what is paid, when, idempotency) live in services."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from .models import Payment


@dataclass
class Started:
    redirect_url: str = ""
    qr_payload: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class Notice:
    """A provider's message about a payment, parsed and its signature checked (nothing decided yet)."""

    signature_ok: bool
    merchant_ok: bool = True
    reference: str = ""
    amount: int | None = None
    success: bool = False
    transaction_no: str = ""
    bank_code: str = ""
    paid_at: dt.datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class QueryResult:
    found: bool
    success: bool = False
    failed: bool = False
    amount: int | None = None
    transaction_no: str = ""
    bank_code: str = ""
    paid_at: dt.datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class RefundResult:
    ok: bool
    code: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)


class PaymentProvider(ABC):
    identifier: str
    label: str

    @abstractmethod
    def start(self, payment: Payment, *, request: HttpRequest) -> Started: ...

    @abstractmethod
    def parse_notification(self, data: Mapping[str, str]) -> Notice: ...

    @abstractmethod
    def answer(self, verdict: str, notice: Notice | None) -> HttpResponse:
        """The reply the provider expects, in its own protocol, for what the service decided."""

    def record_unmatched(self, notice: Notice, verdict: str, payment: Payment | None) -> None:
        """Keep money that arrived but settles nothing (a transfer) for a finance officer to review.
        Gateways that refuse such a payment themselves keep nothing here."""
        return None

    def parse_return(self, data: Mapping[str, str]) -> Notice:
        return self.parse_notification(data)

    @abstractmethod
    def query(self, payment: Payment) -> QueryResult: ...

    @abstractmethod
    def refund(self, payment: Payment, *, amount: int, reason: str, actor_name: str) -> RefundResult: ...
