"""Extension points filled by higher apps in their AppConfig.ready() (this app imports none of them).

- `register_sample_context(provider)`: a callable returning the template context of a real sample dossier
  (the dossiers app registers one), used by the template preview and the checks made when saving.
"""

from __future__ import annotations

from collections.abc import Callable

_sample_providers: list[Callable[[], dict | None]] = []


def register_sample_context(provider: Callable[[], dict | None]) -> None:
    if provider not in _sample_providers:
        _sample_providers.append(provider)


def sample_context() -> dict | None:
    for provider in _sample_providers:
        context = provider()
        if context:
            return context
    return None
