"""The public home page's sections. The shell knows nothing of the catalogue or of dossiers; each app that has
something to show there registers a function in its AppConfig.ready() that returns template context."""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_SECTIONS: list[Callable[[], dict]] = []


def register_home_section(section: Callable[[], dict]) -> None:
    if section not in _SECTIONS:
        _SECTIONS.append(section)


def public_home_context() -> dict:
    context: dict = {}
    for section in _SECTIONS:
        try:
            context.update(section())
        except Exception:  # noqa: BLE001 — one section failing must not take the home page down
            logger.exception("Home page section %s failed", getattr(section, "__name__", section))
    return context
