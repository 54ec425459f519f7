"""The forms the one-stop desk prints (TT 01/2018/TT-VPCP): what goes on them, rendered as PDF.

Only the context is built here; `portal.pdf.render_to_pdf` renders the templates in
`dossiers/templates/dossiers/pdf/` with a font that covers every Vietnamese glyph.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.pdf import qr_png_data_uri, render_to_pdf

from .constants import DeliveryMethod, DocumentKind

if TYPE_CHECKING:
    from .models import Dossier, DossierEvent

TEMPLATES = {
    DocumentKind.RECEIPT: "dossiers/pdf/receipt.html",
    DocumentKind.REFUSAL: "dossiers/pdf/refusal.html",
    DocumentKind.SUPPLEMENT_REQUEST: "dossiers/pdf/supplement_request.html",
}
_UNIT_PREFIX = re.compile(r"^(tỉnh|thành phố|phường|xã|đặc khu)\s+", re.IGNORECASE)


def lookup_url(dossier: Dossier) -> str:
    """The public status page for the dossier, with its code and lookup secret (printed as a QR code)."""
    query = urlencode({"ma": dossier.code, "ma_tra_cuu": dossier.lookup_secret})
    return f"{settings.SITE_URL}{reverse('dossiers:lookup')}?{query}"


def place_name(dossier: Dossier) -> str:
    agency = dossier.receiving_agency
    if agency is None:
        return ""
    unit = agency.administrative_unit
    while unit.parent_id and unit.level != "province":
        unit = unit.parent
    return _UNIT_PREFIX.sub("", unit.name)


def limit_text(limit) -> str:
    """12 ngày làm việc, 1,5 ngày làm việc, 4 giờ làm việc."""
    if limit is None:
        return "Không quy định"
    amount = format(limit.amount.normalize(), "f").replace(".", ",")
    return f"{amount} {limit.get_unit_display()}"


def time_limit_text(dossier: Dossier) -> str:
    return limit_text(dossier.procedure_version.time_limit(dossier.channel))


def delivery_text(dossier: Dossier) -> str:
    if dossier.delivery_method == DeliveryMethod.POST:
        return f"Nhận qua dịch vụ bưu chính công ích tại địa chỉ: {dossier.postal_address}"
    if dossier.delivery_method == DeliveryMethod.ELECTRONIC:
        return "Nhận bản điện tử trên Cổng dịch vụ công (Kho dữ liệu của người nộp)"
    agency = dossier.receiving_agency
    where = (
        f"{agency.name}, {agency.address}" if agency and agency.address else (agency.name if agency else "")
    )
    return f"Bộ phận tiếp nhận và trả kết quả — {where}"


def submitted_components(dossier: Dossier) -> list[dict]:
    """Numbered rows of the receipt: each component handed in, with its form and quantity."""
    rows: dict[int | None, dict] = {}
    for f in dossier.files.all():
        component = f.component
        key = component.pk if component else None
        if key not in rows:
            rows[key] = {
                "name": component.name if component else "Giấy tờ khác",
                "copy_type": component.get_copy_type_display() if component else "",
                "quantity": component.quantity if component else 0,
                "order": component.order if component else 9999,
                "digitised": False,
                "files": 0,
            }
        rows[key]["files"] += 1
        rows[key]["digitised"] = rows[key]["digitised"] or f.digitised
        if component is None:
            rows[key]["quantity"] += 1
    return sorted(rows.values(), key=lambda r: r["order"])


def context_for(*, dossier: Dossier, kind: str, event: DossierEvent | None) -> dict:
    agency = dossier.receiving_agency
    context = {
        "dossier": dossier,
        "agency": agency,
        "parent_agency": agency.parent if agency else None,
        "place": place_name(dossier),
        "printed_at": timezone.localtime(event.at if event else timezone.now()),
        "procedure_name": dossier.procedure_version.name,
        "procedure_code": dossier.procedure_version.procedure.code,
        "components": submitted_components(dossier),
        "time_limit": time_limit_text(dossier),
        "delivery": delivery_text(dossier),
        "event": event,
        "officer": (event.actor if event else None) or dossier.received_by,
    }
    if dossier.code and dossier.lookup_secret:
        url = lookup_url(dossier)
        context.update({"lookup_url": url, "qr": qr_png_data_uri(url, box_size=4)})
    if kind == DocumentKind.SUPPLEMENT_REQUEST and event is not None:
        context["requested_components"] = event.payload.get("components", [])
    return context


def render(*, dossier: Dossier, kind: str, event: DossierEvent | None) -> bytes:
    return render_to_pdf(TEMPLATES[kind], context_for(dossier=dossier, kind=kind, event=event))
