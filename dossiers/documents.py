"""The forms the one-stop desk prints (TT 01/2018/TT-VPCP): what goes on them, rendered as PDF.

Only the context is built here; `portal.pdf.render_to_pdf` renders the templates in
`dossiers/templates/dossiers/pdf/` with a font that covers every Vietnamese glyph.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.pdf import qr_png_data_uri, render_to_pdf
from portal.working_time import load_calendar

from . import deadlines
from .constants import DeliveryMethod, DocumentKind, EventAction

if TYPE_CHECKING:
    from .models import Dossier, DossierEvent

TEMPLATES = {
    DocumentKind.RECEIPT: "dossiers/pdf/receipt.html",
    DocumentKind.REFUSAL: "dossiers/pdf/refusal.html",
    DocumentKind.SUPPLEMENT_REQUEST: "dossiers/pdf/supplement_request.html",
    DocumentKind.APOLOGY: "dossiers/pdf/apology.html",
    DocumentKind.CONTROL_SLIP: "dossiers/pdf/control_slip.html",
}
_UNIT_PREFIX = re.compile(r"^(tỉnh|thành phố|phường|xã|đặc khu)\s+", re.IGNORECASE)


def lookup_url(dossier: Dossier) -> str:
    """The public status page for the dossier, with its code and lookup secret (printed as a QR code)."""
    return settings.SITE_URL + lookup_path(code=dossier.code, secret=dossier.lookup_secret)


def lookup_path(*, code: str, secret: str) -> str:
    """The path and query of a dossier's public status page, as its QR code writes them."""
    return f"{reverse('dossiers:lookup')}?{urlencode({'ma': code, 'ma_tra_cuu': secret})}"


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
    if (
        kind == DocumentKind.SUPPLEMENT_REQUEST
        and event is not None
        and event.action == EventAction.SUPPLEMENT
    ):
        # Reprinted when the clock restarted: the request it answers, with the new appointment.
        from .models import DossierEvent

        request = (
            DossierEvent.objects.filter(
                dossier=dossier, action=EventAction.REQUEST_SUPPLEMENT, at__lte=event.at
            )
            .exclude(pk=event.pk)
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
        if request is not None:
            event = request
            context.update(event=request, officer=request.actor, printed_at=timezone.localtime(request.at))
    if kind == DocumentKind.SUPPLEMENT_REQUEST and event is not None:
        context["requested_components"] = event.payload.get("components", [])
        if event.action == EventAction.REQUEST_SUPPLEMENT:
            context["processing_agency"] = dossier.competent_agency
            context.update(supplement_appointment(dossier, event))
    if kind == DocumentKind.APOLOGY and event is not None:
        context["apology"] = event.apologies.select_related("drafted_by", "approved_by").first()
        context["officer"] = event.actor
        context["competent_name"] = (dossier.competent_agency or agency).name if agency else ""
    if kind == DocumentKind.CONTROL_SLIP:
        context["handovers"] = control_slip_rows(dossier)
        context["competent_agency"] = dossier.competent_agency
        context["coordinating"] = sorted(
            {t.to_agency.name for t in dossier.transfers.select_related("to_agency")}
        )
    return context


def _as_datetime(value):
    if isinstance(value, str):
        return parse_datetime(value)
    return value


def supplement_appointment(dossier: Dossier, request: DossierEvent) -> dict:
    """What the supplement request says about the appointment: the one in force when the clock stopped, the
    working time left on it, and — once the applicant has supplemented and the clock restarted — the new one."""
    from .models import DossierEvent

    resumed = (
        DossierEvent.objects.filter(dossier=dossier, action=EventAction.SUPPLEMENT, at__gte=request.at)
        .exclude(pk=request.pk)
        .order_by("at", "pk")
        .first()
    )
    due_at = _as_datetime(resumed.payload.get("previous_due_at")) if resumed else dossier.due_at
    if due_at is None:
        return {}
    left = deadlines.minutes_left(now=request.at, due_at=due_at, calendar=load_calendar())
    hours = format(Decimal(left / 60).quantize(Decimal("0.1")).normalize(), "f").replace(".", ",")
    return {
        "due_at_before": timezone.localtime(due_at),
        "working_hours_left": hours,
        "new_due_at": timezone.localtime(_as_datetime(resumed.payload.get("due_at"))) if resumed else None,
    }


ROLE_LABELS = {
    "intake": "Bộ phận tiếp nhận và trả kết quả",
    "specialist": "Chuyên viên",
    "approver": "Lãnh đạo phòng",
    "agency_leader": "Lãnh đạo cơ quan",
    "citizen": "Người nộp hồ sơ",
}


def _party(user, agency, department: str, role: str, *, applicant_name: str = "") -> str:
    if role == "citizen":
        return f"{applicant_name or (user.full_name if user else '')} ({ROLE_LABELS['citizen'].lower()})"
    parts = []
    if agency is not None:
        parts.append(agency.name)
    parts.append(department or ROLE_LABELS.get(role, role))
    if user is not None:
        parts.append(user.full_name or user.username)
    return " — ".join(p for p in parts if p) or "—"


def control_slip_rows(dossier: Dossier) -> list[dict]:
    """Every handover as the control slip prints it: who gave, who received, when, the step's deadline
    and the outcome (Trước hạn / Đúng hạn / Quá hạn), in order."""
    from .models import DossierHandover

    rows = []
    handovers = (
        DossierHandover.objects.filter(dossier=dossier)
        .select_related("from_user", "from_agency", "to_user", "to_agency", "step")
        .order_by("handed_at", "id")
    )
    name = dossier.applicant_name
    previous = None
    for h in handovers:
        if previous is None:
            giver = _party(h.from_user, None, "", "citizen", applicant_name=name)
        else:
            giver = _party(
                h.from_user, previous.to_agency, previous.to_department, previous.to_role, applicant_name=name
            )
        rows.append(
            {
                "handover": h,
                "action": h.get_action_display(),
                "from": giver,
                "to": _party(h.to_user, h.to_agency, h.to_department, h.to_role, applicant_name=name),
                "step": h.step.name if h.step else "",
                "outcome": h.get_outcome_display() if h.outcome else "",
            }
        )
        previous = h
    return rows


def render_result(
    *, dossier: Dossier, decision: str, title: str, number: str, content: str, reason: str, officer
) -> bytes:
    """A draft result (or the reasoned refusal) from what the specialist typed, A4, leaving room at the
    bottom right of the last page for the signature stamp and its QR code."""
    from .constants import Decision

    agency = dossier.competent_agency or dossier.receiving_agency
    context = {
        "dossier": dossier,
        "agency": agency,
        "parent_agency": agency.parent if agency else None,
        "place": place_name(dossier),
        "printed_at": timezone.localtime(),
        "procedure_name": dossier.procedure_version.name,
        "procedure_code": dossier.procedure_version.procedure.code,
        "title": title,
        "number": number,
        "content": content,
        "reason": reason,
        "officer": officer,
        "refusal": decision == Decision.REFUSE,
    }
    return render_to_pdf("dossiers/pdf/result.html", context)


def render(*, dossier: Dossier, kind: str, event: DossierEvent | None) -> bytes:
    return render_to_pdf(TEMPLATES[kind], context_for(dossier=dossier, kind=kind, event=event))
