"""Small display helpers for dossier pages: status tags, money, Vietnamese dates."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from procedures.constants import Channel

from ..constants import NATIONAL_STATUS, DeadlineStatus, DossierState, EventAction, NationalStatus

register = template.Library()

TAG_CLASSES = {
    1: "text-bg-info",
    2: "text-bg-primary",
    3: "text-bg-danger",
    4: "text-bg-warning",
    5: "text-bg-warning",
    6: "text-bg-warning",
    7: "text-bg-secondary",
    8: "text-bg-dark",
    9: "text-bg-success",
    10: "text-bg-success",
}


@register.simple_tag
def status_tag(state: str, national: bool = False) -> str:
    """The state's badge. Built in Python, not an included template: a queue page shows one per row."""
    code = int(NATIONAL_STATUS[state])
    label = NationalStatus(code).label if national else DossierState(state).label
    css = "text-bg-light border" if state == DossierState.DRAFT else TAG_CLASSES[code]
    return format_html(
        '<span class="badge status-tag {}" data-state="{}" data-national-status="{}">{}</span>',
        css,
        state,
        code,
        label,
    )


# The enumerations `choice_label` reads, by the name a template gives.
CHOICES = {"action": EventAction, "state": DossierState, "channel": Channel, "deadline": DeadlineStatus}


@register.filter
def choice_label(value, choices: str) -> str:
    """The label of a stored choice, read from its enumeration: `{{ event.action|choice_label:"action" }}`.
    Django's `get_FOO_display` builds and hashes the field's whole list of translated labels on every call,
    which a timeline or a queue pays once per line. A value the enumeration does not know is shown as is."""
    try:
        return CHOICES[choices](value).label
    except ValueError:
        return value


@register.filter
def money(value) -> str:
    """1250000 → "1.250.000 ₫"."""
    if value in (None, ""):
        return ""
    amount = Decimal(value).quantize(Decimal(1))
    return f"{amount:,.0f} ₫".replace(",", ".")


@register.filter
def vn_datetime(value) -> str:
    """dd/mm/yyyy HH:mm in the portal's time zone."""
    if not value:
        return ""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


@register.filter
def vn_date(value) -> str:
    if not value:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return value.strftime("%d/%m/%Y")


@register.filter
def answer(value) -> str:
    """A form answer as the applicant reads it."""
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    if value in (None, ""):
        return "—"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        year, month, day = text.split("-")
        return f"{day}/{month}/{year}"
    return text


@register.simple_tag
def forms_with_errors(*forms):
    """The forms among `forms` that have errors, for one error summary at the top of the page."""
    return [f for f in forms if f is not None and f.errors]


@register.filter
def time_limit(limit) -> str:
    from ..documents import limit_text

    return limit_text(limit)
