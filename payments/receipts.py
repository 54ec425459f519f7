"""The e-receipt (biên lai thu phí, lệ phí điện tử, NĐ 123/2020/NĐ-CP and TT 32/2025/TT-BTC): a PDF per
settled payment with its series and number, the payer, the fee lines, the collecting agency and a QR code to
the public verification page; kept on the payment (shown on the dossier) and in the applicant's Kho."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.pdf import qr_png_data_uri, render_to_pdf
from repository import services as kho

from .models import Payment


def verification_url(payment: Payment) -> str:
    return f"{settings.SITE_URL}{reverse('payments:receipt_verify', args=[payment.receipt_token])}"


RECEIPT_TEMPLATE = "payments/pdf/receipt.html"


def _receipt_context(payment: Payment) -> dict:
    return {
        "payment": payment,
        "dossier": payment.dossier,
        "account": getattr(payment.agency, "beneficiary_account", None),
        "paid_at": timezone.localtime(payment.paid_at),
        "qr": qr_png_data_uri(verification_url(payment), box_size=4),
        "verify_url": verification_url(payment),
    }


def receipt_html(payment: Payment) -> str:
    """The receipt's page before it is printed (what the PDF shows, as text)."""
    return render_to_string(RECEIPT_TEMPLATE, _receipt_context(payment))


def receipt_render(payment: Payment) -> bytes:
    return render_to_pdf(RECEIPT_TEMPLATE, _receipt_context(payment))


def receipt_issue(*, payment_id: int) -> Payment:
    """Render and store the receipt of a settled payment once (a second run returns what is there)."""
    payment = Payment.objects.select_related("dossier", "agency", "dossier__applicant").get(pk=payment_id)
    if payment.receipt_pdf or not payment.receipt_number:
        return payment
    pdf = receipt_render(payment)  # slow work before any lock
    name = f"bien-lai-{payment.receipt_number}.pdf"
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment_id)
        if locked.receipt_pdf:
            return locked
        locked.receipt_pdf.save(name, ContentFile(pdf), save=False)
        owner = payment.dossier.organisation or payment.dossier.applicant
        if owner is not None:
            document = kho.receipt_store(
                owner=owner,
                agency=payment.agency,
                pdf=pdf,
                title=f"Biên lai thu phí, lệ phí số {locked.receipt_series}/{locked.receipt_number}",
                number=f"{locked.receipt_series}/{locked.receipt_number}",
                issued_on=timezone.localdate(locked.paid_at),
                dossier_id=payment.dossier_id,
                filename=name,
            )
            locked.receipt_document_id = document.pk
        locked.save(update_fields=["receipt_pdf", "receipt_document_id"])
    return locked
