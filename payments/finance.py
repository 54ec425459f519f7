"""The finance officer's pages (kế toán): the agency's payments of a day by provider and state, transfers
that matched nothing, refunds; the Excel export for reconciling with the bank statement; refunding."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.errors import ApplicationError
from portal.spreadsheets import excel_row

from . import selectors, services
from .constants import PaymentStatus, Provider
from .models import Payment
from .permissions import finance_agency_ids


def _filters(request) -> tuple[set[int], dt.date, str, str]:
    agencies = finance_agency_ids(request.user)
    if not agencies:
        raise PermissionDenied
    try:
        day = dt.datetime.strptime(request.GET.get("ngay", ""), "%d/%m/%Y").date()
    except ValueError:
        day = timezone.localdate()
    provider = request.GET.get("hinh_thuc", "")
    status = request.GET.get("trang_thai", "")
    return (
        agencies,
        day,
        provider if provider in Provider.values else "",
        status if status in PaymentStatus.values else "",
    )


@login_required
def finance_list(request):
    agencies, day, provider, status = _filters(request)
    rows = selectors.finance_payments(agency_ids=agencies, day=day, provider=provider, status=status)
    return render(
        request,
        "payments/finance.html",
        {
            "rows": rows,
            "totals": selectors.finance_totals(rows),
            "day": day,
            "provider": provider,
            "status": status,
            "providers": Provider.choices,
            "statuses": PaymentStatus.choices,
            "exemptions": selectors.finance_exemptions(agency_ids=agencies, day=day),
            "unmatched": selectors.unmatched_transfers(agency_ids=agencies)[:50],
            "refunds": selectors.refunds_for(agency_ids=agencies),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def finance_export(request):
    from openpyxl import Workbook

    agencies, day, provider, status = _filters(request)
    rows = selectors.finance_payments(agency_ids=agencies, day=day, provider=provider, status=status)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Giao dịch")
    sheet.append(
        excel_row(
            sheet,
            [
                "Mã giao dịch",
                "Mã GD đơn vị thanh toán",
                "Hình thức",
                "Trạng thái",
                "Số tiền (đồng)",
                "Đã hoàn (đồng)",
                "Mã hồ sơ",
                "Người nộp tiền",
                "Số biên lai",
                "Thời điểm tạo",
                "Thời điểm thanh toán",
                "Cơ quan thu",
                "Miễn, giảm phí, lệ phí",
            ],
        )
    )
    for p in rows:
        sheet.append(
            excel_row(
                sheet,
                [
                    p.reference,
                    p.transaction_no,
                    p.get_provider_display(),
                    p.get_status_display(),
                    p.amount,
                    p.refunded_amount,
                    p.dossier.code or "",
                    p.payer_name,
                    f"{p.receipt_series}/{p.receipt_number}" if p.receipt_number else "",
                    timezone.localtime(p.created_at).strftime("%d/%m/%Y %H:%M"),
                    timezone.localtime(p.paid_at).strftime("%d/%m/%Y %H:%M") if p.paid_at else "",
                    p.agency.name,
                    "; ".join(
                        f"{line['name']}: mức thu {line['full_amount']}, {line['exemption']}"
                        for line in p.lines
                        if line.get("exemption")
                    ),
                ],
            )
        )
    waived = book.create_sheet("Miễn, giảm")
    waived.append(
        excel_row(
            waived,
            [
                "Mã hồ sơ",
                "Người nộp",
                "Thủ tục",
                "Thời điểm tiếp nhận",
                "Đối tượng miễn, giảm",
                "Mức miễn, giảm",
                "Căn cứ pháp lý",
                "Mức thu (đồng)",
                "Phải nộp (đồng)",
                "Được miễn, giảm (đồng)",
            ],
        )
    )
    for row in selectors.finance_exemptions(agency_ids=agencies, day=day):
        dossier = row["dossier"]
        waived.append(
            excel_row(
                waived,
                [
                    dossier.code or "",
                    dossier.applicant_name,
                    dossier.procedure_version.name,
                    timezone.localtime(dossier.received_at).strftime("%d/%m/%Y %H:%M"),
                    row["group"],
                    row["effect"],
                    row["legal_basis"],
                    row["full_amount"],
                    row["charged"],
                    row["waived"],
                ],
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="thanh-toan-{day:%Y-%m-%d}.xlsx"'
    return response


@login_required
@require_POST
def refund(request, pk: int):
    payment = get_object_or_404(Payment.objects.select_related("agency", "dossier"), pk=pk)
    if payment.agency_id not in finance_agency_ids(request.user):
        raise Http404
    try:
        amount = int(request.POST.get("amount", "0"))
    except ValueError:
        amount = 0
    try:
        services.payment_refund(
            payment=payment, actor=request.user, amount=amount, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        errors = (exc.extra or {}).get("errors") or {}
        messages.error(request, " ".join([exc.message, *errors.values()]))
    else:
        messages.success(request, "Đã hoàn tiền.")
    return redirect("payments:finance")
