"""Figures of the dashboards the Vietnamese way: 85,3 %, 1.250 hồ sơ, "chưa có dữ liệu" for missing data."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _decimal(value, places: int) -> str:
    text = f"{Decimal(value):,.{places}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


@register.filter
def pct(value) -> str:
    if value is None:
        return _("chưa có dữ liệu")
    return f"{_decimal(value, 1)} %"


@register.filter
def pts(value) -> str:
    if value is None:
        return _("chưa có dữ liệu")
    return _decimal(value, 2)


@register.filter
def num(value) -> str:
    if value is None:
        return _("chưa có dữ liệu")
    return _decimal(value, 0)


@register.filter
def plain(value) -> str:
    """A number for a data attribute the chart script reads (dot decimal, empty when missing)."""
    return "" if value is None else str(value)
