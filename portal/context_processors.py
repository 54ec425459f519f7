import unicodedata

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info

from .navigation import menu_for

# Each language named in itself, NFC-normalised (Django's own table stores some names decomposed).
_LANGUAGE_CHOICES = [
    (code, unicodedata.normalize("NFC", get_language_info(code)["name_local"]))
    for code, _ in settings.LANGUAGES
]


def navigation(request):
    # Lazy: an anonymous page takes its header, menu included, from the layout's per-process fragments.
    return {
        "nav_items": SimpleLazyObject(lambda: menu_for(request.user)),
        "SITE_URL": settings.SITE_URL,
        "language_choices": _LANGUAGE_CHOICES,
    }
