"""Payment providers by identifier; each `contrib/<provider>/` module registers one instance."""

from __future__ import annotations

from portal.errors import ApplicationError

from .base import PaymentProvider

_providers: dict[str, PaymentProvider] = {}


def register(provider: PaymentProvider) -> PaymentProvider:
    _providers[provider.identifier] = provider
    return provider


def get(identifier: str) -> PaymentProvider:
    try:
        return _providers[identifier]
    except KeyError:
        raise ApplicationError("Hình thức thanh toán không được hỗ trợ.", code="unknown_provider") from None


def enabled() -> list[PaymentProvider]:
    from django.conf import settings

    return [_providers[i] for i in settings.PAYMENTS_PROVIDERS if i in _providers]
