from decimal import Decimal

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def vnd(value) -> str:
    """1250000 → '1.250.000 ₫'; zero reads as free."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    if amount == 0:
        return "Miễn phí"
    return f"{amount:,.0f}".replace(",", ".") + " ₫"


@register.filter
def number(value) -> str:
    """12.0 → '12', 0.5 → '0,5' (Vietnamese decimal comma)."""
    amount = Decimal(value)
    text = f"{amount.normalize():f}"
    return text.replace(".", ",")


@register.simple_tag(takes_context=True)
def page_url(context, page: int) -> str:
    """The current search with another page number."""
    params: QueryDict = context["request"].GET.copy()
    params["trang"] = page
    return "?" + params.urlencode()
