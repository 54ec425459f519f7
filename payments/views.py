"""Citizen-facing payment pages and the providers' endpoints. Thin: parse, call a service, render or answer
the provider in its protocol. The browser return only shows the outcome; money is settled by the verified
notification or the status query."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dossiers import permissions as dossier_permissions
from dossiers.models import Dossier
from portal.errors import ApplicationError

from . import registry, services
from .constants import EventKind, Provider, Verdict
from .models import Payment
from .permissions import can_view_payment

logger = logging.getLogger(__name__)


@login_required
@require_POST
def start(request, pk: int):
    dossier = get_object_or_404(Dossier.objects.select_related("procedure_version"), pk=pk)
    if not dossier_permissions.can_act_as_applicant(request.user, dossier):
        raise Http404
    try:
        payment, redirect_url = services.payment_start(
            dossier=dossier, actor=request.user, provider_id=request.POST.get("provider", ""), request=request
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:detail", pk=dossier.pk)
    if redirect_url:
        return HttpResponseRedirect(redirect_url)
    return redirect("payments:detail", reference=payment.reference)


@login_required
@require_GET
def detail(request, reference: str):
    payment = get_object_or_404(Payment.objects.select_related("dossier", "agency"), reference=reference)
    if not can_view_payment(request.user, payment):
        raise Http404
    qr = ""
    if payment.provider_data.get("qr_payload"):
        from portal.pdf import qr_png_data_uri

        qr = qr_png_data_uri(payment.provider_data["qr_payload"])
    return render(request, "payments/detail.html", {"payment": payment, "qr": qr})


def _browser_return(request, provider_id: str):
    provider = registry.get(provider_id)
    notice = provider.parse_return(request.GET)
    payment = Payment.objects.filter(reference=notice.reference, provider=provider_id).first()
    if payment is None or not can_view_payment(request.user, payment):
        raise Http404
    services.log_event(
        provider=provider_id,
        kind=EventKind.RETURN,
        verdict=Verdict.INFO if notice.signature_ok else Verdict.FORGED,
        raw=dict(request.GET.items()),
        payment=payment,
    )
    return redirect("payments:detail", reference=payment.reference)


@login_required
@require_GET
def vnpay_return(request):
    return _browser_return(request, Provider.VNPAY)


@csrf_exempt
@require_GET
def vnpay_ipn(request):
    """VNPay's server-to-server IPN (GET), answered {"RspCode", "Message"} with HTTP 200 in every case."""
    provider = registry.get(Provider.VNPAY)
    try:
        verdict, notice = services.payment_notification_receive(
            provider=provider, data=dict(request.GET.items())
        )
    except Exception:
        logger.exception("VNPay IPN failed")
        return provider.answer(Verdict.ERROR, None)
    return provider.answer(verdict, notice)


@login_required
@require_GET
def national_return(request):
    payment = Payment.objects.filter(
        reference=request.GET.get("MaThamChieu", ""), provider=Provider.NATIONAL
    ).first()
    if payment is None or not can_view_payment(request.user, payment):
        raise Http404
    services.log_event(
        provider=Provider.NATIONAL,
        kind=EventKind.RETURN,
        verdict=Verdict.INFO,
        raw=dict(request.GET.items()),
        payment=payment,
    )
    return redirect("payments:detail", reference=payment.reference)


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@csrf_exempt
@require_POST
def national_callback(request):
    """The national payment platform's signed callback (JSON), answered with its signed reply."""
    provider = registry.get(Provider.NATIONAL)
    try:
        verdict, notice = services.payment_notification_receive(provider=provider, data=_json_body(request))
    except Exception:
        logger.exception("National payment callback failed")
        return provider.answer(Verdict.ERROR, None)
    return provider.answer(verdict, notice)


@csrf_exempt
@require_POST
def vietqr_statement(request):
    """The bank's statement notification of an incoming transfer (body signed with HMAC-SHA256)."""
    provider = registry.get(Provider.VIETQR)
    data = {
        "body": request.body.decode("utf-8", "replace"),
        "signature": request.headers.get("X-Signature", ""),
    }
    try:
        verdict, notice = services.payment_notification_receive(provider=provider, data=data)
    except Exception:
        logger.exception("Bank statement notification failed")
        return provider.answer(Verdict.ERROR, None)
    return provider.answer(verdict, notice)


@login_required
def receipt_download(request, pk: int):
    payment = get_object_or_404(Payment, pk=pk)
    if not can_view_payment(request.user, payment) or not payment.receipt_pdf:
        raise Http404
    return FileResponse(
        payment.receipt_pdf.open("rb"),
        as_attachment=False,
        filename=f"bien-lai-{payment.receipt_number}.pdf",
        content_type="application/pdf",
    )


@require_GET
def receipt_verify(request, token: str):
    """Public page the receipt's QR code opens: the receipt exists, with its number, amount and agency."""
    payment = (
        Payment.objects.select_related("agency").filter(receipt_token=token).exclude(receipt_token="").first()
    )
    if payment is None:
        raise Http404
    return render(request, "payments/receipt_verify.html", {"payment": payment})


def dossier_panel(*, request, dossier: Dossier) -> str:
    """The payment box of the dossier page (registered as the dossiers app's payment hook)."""
    from django.template.loader import render_to_string

    payments = services_payments(dossier)
    is_applicant = dossier_permissions.can_act_as_applicant(request.user, dossier)
    # The one-stop desk sees what the applicant owes (the reduced fee when an exemption is granted) to
    # collect it at the counter, without the online payment buttons.
    at_desk = not is_applicant and dossier_permissions.can_intake(request.user, dossier)
    owed = services.amount_owed(dossier) if is_applicant or at_desk else None
    if not payments and owed is None:
        return ""
    return render_to_string(
        "payments/_dossier_panel.html",
        {
            "dossier": dossier,
            "payments": payments,
            "owed": owed,
            "at_desk": at_desk,
            "providers": registry.enabled() if is_applicant else [],
            "start_url": reverse("payments:start", args=[dossier.pk]),
        },
        request=request,
    )


def services_payments(dossier: Dossier) -> list[Payment]:
    from .selectors import payments_for_dossier

    return payments_for_dossier(dossier_id=dossier.pk)
