"""The page layout's fragments that are the same for every anonymous visitor, rendered once per process.

The header (brand, public menu, login links), the stylesheets, the footer and the script tags of an anonymous
page depend only on the language, the URL configuration and which public menu entry is the current page: each
is rendered once per such key and kept in memory. Nothing of the visitor's goes in: signed-in users get the
fragments rendered for them on every request, and the language switch (its CSRF token, the `next` address) is
rendered outside the cached part. With DEBUG on (templates being edited) nothing is kept.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ..navigation import public_menu_urls

register = template.Library()

_fragments: dict[tuple, str] = {}
_menus: dict[tuple, frozenset[str]] = {}


def clear(**_kwargs) -> None:
    _fragments.clear()
    _menus.clear()


setting_changed.connect(clear)


@register.simple_tag(takes_context=True)
def layout_fragment(context, name: str):
    """`templates/includes/layout/<name>.html` rendered with the page's context; for anonymous visitors, from
    the per-process store."""
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else None
    fragment = get_template(f"includes/layout/{name}.html").template
    if settings.DEBUG or request is None or user is None or user.is_authenticated:
        return fragment.render(context)
    # The path matters only to mark the current page in the public menu.
    site = (get_script_prefix(), get_urlconf())
    menu = _menus.get(site)
    if menu is None:
        menu = _menus[site] = public_menu_urls()
    return _kept(
        (name, get_language(), *site, request.path if request.path in menu else ""), fragment, context
    )


@register.simple_tag(takes_context=True)
def shared_fragment(context, template_name: str):
    """A part of a page that is the same for every visitor, signed in or not (an empty search or lookup
    form): `template_name` rendered with the page's context once per process for each language and URL
    configuration, then reused. Only for templates that read nothing of the visitor's or of the request."""
    fragment = get_template(template_name).template
    if settings.DEBUG:
        return fragment.render(context)
    return _kept((template_name, get_language(), get_script_prefix(), get_urlconf()), fragment, context)


def _kept(key: tuple, fragment, context):
    """The fragment as the store holds it under `key`, rendered with `context` the first time."""
    html = _fragments.get(key)
    if html is None:
        html = _fragments[key] = fragment.render(context)
    return mark_safe(html)  # noqa: S308 — rendered by our own templates, escaped there
