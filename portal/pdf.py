"""PDF rendering for the printed forms (TT 01/2018/TT-VPCP), with QR codes.

WeasyPrint is imported lazily: it loads Pango, which web requests that print nothing do not need.
Templates use the "DejaVu Sans" / "Noto Sans" families, which cover every Vietnamese glyph
(installed by scripts/ensure-system-packages and the Dockerfile).
"""

from __future__ import annotations

import base64
import functools
import io

from django.conf import settings
from django.template.loader import render_to_string


def qr_png_data_uri(text: str, *, box_size: int = 6) -> str:
    import qrcode

    image = qrcode.make(text, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@functools.cache
def _font_config():
    """One font configuration per process: building Pango's font map and reading fontconfig's cache again
    for every document cost more than laying out a one-page form."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_to_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config())
