"""Dashboards of the service index: the province's (province leaders) and an agency's (its head), the drill-down
to the dossiers, the exports (Excel for every table, PDF for the index), the targets and the public page."""

from __future__ import annotations

import datetime as dt
import functools
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.pdf import render_to_pdf
from portal.spreadsheets import excel_row

from . import selectors, services
from .engine import aggregate, index
from .engine.aggregate import Period, Scope
from .forms import BY_CHOICES, DashboardFilterForm, TargetForm
from .models import KpiTarget

CARD_CODES = ("ON_TIME", "ONLINE_SHARE", "FULL_ONLINE_SHARE", "PAID_ONLINE", "ELECTRONIC_RESULTS", "REUSED")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _forbidden(request):
    return render(
        request,
        "reporting/forbidden.html",
        {"message": _("Trang này dành cho lãnh đạo tỉnh và lãnh đạo cơ quan.")},
        status=403,
    )


def _filters(request):
    """(form, scope, period, allowed) from the URL; scope None when the filters are invalid."""
    allowed = selectors.dashboard_agency_ids(request.user)
    agencies = selectors.visible_agencies(allowed)
    form = DashboardFilterForm(request.GET, agencies=agencies, whole_province=allowed is None)
    if not form.is_valid():
        return form, None, None, allowed
    data = form.cleaned_data
    agency = data["co_quan"] or (None if allowed is None else agencies.first())
    scope = Scope(
        agency_id=agency.pk if agency else None,
        procedure_id=data["thu_tuc"].pk if data["thu_tuc"] else None,
        unit_id=data["don_vi"].pk if data["don_vi"] else None,
        channel=data["kenh"],
    )
    return form, scope, Period(data["tu_ngay"], data["den_ngay"]), allowed


def _query(request, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


def _cards(result: index.IndexResult, targets: dict) -> list[dict]:
    cards = []
    for code in CARD_CODES:
        r = result.result(code)
        if r is None:
            continue
        target = targets.get(code)
        cards.append(
            {
                "result": r,
                "target": target,
                "met": None if (target is None or r.value is None) else r.value >= target,
            }
        )
    return cards


TREND_COUNTERS = (
    "received",
    "received_online",
    "finished",
    "finished_on_time",
    "open_end",
    "open_on_time_end",
)


TREND_MONTHS = 12


def _trend_start(period: Period) -> dt.date:
    year, month = period.last.year, period.last.month - (TREND_MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


def _trend(scope: Scope, period: Period) -> list[dict]:
    rows = []
    for start, t in aggregate.monthly(scope, _trend_start(period), TREND_MONTHS, TREND_COUNTERS):
        rows.append(
            {
                "month": start,
                "received": t["received"],
                "finished": t["finished"],
                "on_time": selectors.rate(
                    t["finished_on_time"] + t["open_on_time_end"], t["finished"] + t["open_end"]
                ),
                "online": selectors.rate(t["received_online"], t["received"]),
            }
        )
    return rows


def _one_read(view):
    """The view reads each table of figures once, however many parts of the page show it."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with aggregate.one_read_per_request():
            return view(request, *args, **kwargs)

    return wrapped


BY_PARAMS = {"agency": "co_quan", "procedure": "thu_tuc", "unit": "don_vi", "channel": "kenh"}


@login_required
@_one_read
def dashboard(request):
    if not selectors.may_see_dashboard(request.user):
        return _forbidden(request)
    form, scope, period, allowed = _filters(request)
    context = {"form": form, "whole_province": allowed is None}
    if scope is not None:
        by = form.cleaned_data["theo"]
        # the index, the breakdown, the top procedures and the trend: one statement for all of them
        aggregate.prefetch_dashboard(
            scope, period, (None, "procedure", by), _trend_start(period), TREND_MONTHS, TREND_COUNTERS
        )
        result = index.compute(scope, period, portal_groups=request.GET.get("nhom") == "cong")
        targets = selectors.targets_for(period.last.year, scope.agency_id)
        context.update(
            {
                "period": period,
                "scope": scope,
                "result": result,
                "cards": _cards(result, targets),
                "trend": _trend(scope, period),
                "by": by,
                "by_label": dict(BY_CHOICES)[by],
                "by_param": BY_PARAMS[by],
                "dossiers_url": reverse("reporting:dossiers"),
                "export_url": reverse("reporting:export"),
                "breakdown": selectors.breakdown(scope, period, by),
                "top_procedures": selectors.breakdown(scope, period, "procedure")[:10],
                "overdue": selectors.overdue(scope, limit=20),
                "workload": selectors.workload(scope)[:20],
                "query": _query(request),
                "query_decision_groups": _query(request, nhom="quyet-dinh"),
                "query_portal_groups": _query(request, nhom="cong"),
                "portal_groups": request.GET.get("nhom") == "cong",
                "today": timezone.localdate(),
            }
        )
    return render(request, "reporting/dashboard.html", context)


def _drill_query(request, by: str, key) -> str:
    field = {"agency": "co_quan", "procedure": "thu_tuc", "unit": "don_vi", "channel": "kenh"}[by]
    return _query(request, **{field: key})


@login_required
def dossier_list(request):
    """The dossiers behind a figure (late, received, finished), within what the filters and the role allow; each
    opens on the dossier page, whose own permission check applies."""
    if not selectors.may_see_dashboard(request.user):
        return _forbidden(request)
    form, scope, period, allowed = _filters(request)
    kind = request.GET.get("loai", "late")
    if kind not in ("late", "received", "finished"):
        kind = "late"
    page = None
    if scope is not None:
        page = Paginator(selectors.drill_down(scope, period, kind), 50).get_page(request.GET.get("trang"))
    titles = {
        "late": _("Hồ sơ trễ hạn"),
        "received": _("Hồ sơ tiếp nhận"),
        "finished": _("Hồ sơ đã giải quyết"),
    }
    return render(
        request,
        "reporting/dossier_list.html",
        {
            "form": form,
            "page": page,
            "kind": kind,
            "title": titles[kind],
            "period": period,
            "query": _query(request, trang=None),
            "dashboard_query": _query(request, loai=None, trang=None),
        },
    )


def _workbook(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(excel_row(sheet, [str(title)]))
    sheet.append(excel_row(sheet, [str(h) for h in header]))
    for row in rows:
        sheet.append(excel_row(sheet, [v if isinstance(v, int | float) else str(v) for v in row]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _num(value):
    return float(value) if value is not None else _("Chưa có dữ liệu")


def _table(name: str, request, scope: Scope, period: Period) -> tuple[str, list[str], list[list]] | None:
    if name == "index":
        result = index.compute(scope, period)
        rows = [
            [
                r.indicator.label,
                r.indicator.name,
                _num(r.value),
                r.indicator.unit,
                _num(r.points),
                float(r.indicator.points),
                int(r.ratio.numerator) if r.ratio else "",
                int(r.ratio.denominator) if r.ratio and r.indicator.unit == "%" else "",
            ]
            for r in result.results
        ]
        return (
            _("Chỉ số phục vụ"),
            [
                _("Ký hiệu"),
                _("Chỉ số"),
                _("Giá trị"),
                _("Đơn vị"),
                _("Điểm"),
                _("Điểm tối đa"),
                _("Tử số"),
                _("Mẫu số"),
            ],
            rows,
        )
    if name in ("agency", "procedure", "unit", "channel"):
        rows = [
            [
                r.label,
                r.received,
                r.online,
                _num(r.online_rate),
                r.finished,
                r.on_time,
                r.running,
                r.late,
                _num(r.on_time_rate),
            ]
            for r in selectors.breakdown(scope, period, name)
        ]
        header = [
            dict(BY_CHOICES)[name],
            _("Tiếp nhận"),
            _("Trực tuyến"),
            _("Tỷ lệ trực tuyến (%)"),
            _("Đã giải quyết"),
            _("Đúng hạn"),
            _("Đang xử lý"),
            _("Trễ hạn"),
            _("Tỷ lệ đúng hạn (%)"),
        ]
        return _("Phân tích theo %(by)s") % {"by": dict(BY_CHOICES)[name].lower()}, header, rows
    if name == "trend":
        rows = [
            [f"{r['month']:%m/%Y}", r["received"], r["finished"], _num(r["on_time"]), _num(r["online"])]
            for r in _trend(scope, period)
        ]
        return (
            _("Diễn biến theo tháng"),
            [
                _("Tháng"),
                _("Tiếp nhận"),
                _("Đã giải quyết"),
                _("Tỷ lệ đúng hạn (%)"),
                _("Tỷ lệ trực tuyến (%)"),
            ],
            rows,
        )
    if name == "overdue":
        rows = [
            [
                o.dossier.code,
                o.dossier.procedure_version.name,
                str(o.dossier.competent_agency or ""),
                f"{timezone.localtime(o.standing.due_at):%d/%m/%Y}" if o.standing.due_at else "",
                o.reason,
            ]
            for o in selectors.overdue(scope, limit=5000)
        ]
        return _("Hồ sơ quá hạn"), [_("Mã hồ sơ"), _("Thủ tục"), _("Cơ quan"), _("Hạn"), _("Lý do")], rows
    if name == "workload":
        rows = [
            [
                w["current_handler__full_name"] or w["current_handler__username"],
                w["current_agency__name"],
                w["total"],
                w["overdue"],
            ]
            for w in selectors.workload(scope)
        ]
        return _("Hồ sơ theo cán bộ"), [_("Cán bộ"), _("Cơ quan"), _("Đang xử lý"), _("Quá hạn")], rows
    if name in ("late", "received", "finished"):
        rows = [
            [
                d.code,
                d.procedure_version.name,
                str(d.competent_agency or ""),
                d.get_channel_display(),
                f"{timezone.localtime(d.received_at):%d/%m/%Y}" if d.received_at else "",
                d.get_state_display(),
            ]
            for d in selectors.drill_down(scope, period, name)[:20000]
        ]
        return (
            _("Danh sách hồ sơ"),
            [_("Mã hồ sơ"), _("Thủ tục"), _("Cơ quan"), _("Kênh"), _("Ngày tiếp nhận"), _("Trạng thái")],
            rows,
        )
    return None


@login_required
@_one_read
def export(request):
    """Any table of the dashboard as an Excel workbook (`bang`), with the same filters."""
    if not selectors.may_see_dashboard(request.user):
        return _forbidden(request)
    form, scope, period, _allowed = _filters(request)
    table = _table(request.GET.get("bang", "index"), request, scope, period) if scope else None
    if table is None:
        return render(
            request, "reporting/forbidden.html", {"message": _("Không có bảng số liệu này.")}, status=404
        )
    title, header, rows = table
    response = HttpResponse(_workbook(title, header, rows), content_type=XLSX)
    name = f"chi-so-{request.GET.get('bang', 'index')}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def index_pdf(request):
    if not selectors.may_see_dashboard(request.user):
        return _forbidden(request)
    form, scope, period, _allowed = _filters(request)
    if scope is None:
        return redirect(f"{reverse('reporting:dashboard')}?{_query(request)}")
    result = index.compute(scope, period)
    agency = form.cleaned_data["co_quan"]
    pdf = render_to_pdf(
        "reporting/pdf/index.html",
        {"result": result, "period": period, "agency": agency, "printed_at": timezone.localtime()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="chi-so-phuc-vu-{period.first:%Y%m%d}-{period.last:%Y%m%d}.pdf"'
    )
    return response


@login_required
def targets(request):
    """Targets per indicator, agency (or the province) and year; leaders set them here."""
    if not selectors.may_see_dashboard(request.user):
        return _forbidden(request)
    allowed = selectors.dashboard_agency_ids(request.user)
    agencies = selectors.visible_agencies(allowed)
    _set, rows = index.indicators()
    indicators = [i for i in rows if i.unit == "%"]
    form = TargetForm(
        request.POST or None,
        indicators=indicators,
        agencies=agencies,
        whole_province=allowed is None,
        initial={"nam": timezone.localdate().year},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_set(
                actor=request.user,
                indicator_code=data["chi_so"],
                agency=data["co_quan"],
                year=data["nam"],
                value=data["gia_tri"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã lưu chỉ tiêu."))
            return redirect("reporting:targets")
    names = {i.code: f"{i.label} {i.name}" for i in rows}
    listed = KpiTarget.objects.select_related("agency").order_by("-year", "indicator_code", "agency__name")
    if allowed is not None:
        listed = listed.filter(agency_id__in=allowed) | KpiTarget.objects.filter(agency__isnull=True)
    return render(
        request,
        "reporting/targets.html",
        {"form": form, "targets": [(t, names.get(t.indicator_code, t.indicator_code)) for t in listed[:300]]},
    )


PUBLIC_CACHE_SECONDS = 600


@_one_read
def public(request):
    """Published without login (Nghị quyết 85/NQ-CP): the index of the province and of each agency, and the
    on-time figures, for the current year."""
    today = timezone.localdate()
    period = Period(dt.date(today.year, 1, 1), today)
    key = f"reporting:public:{today.isoformat()}"
    data = cache.get(key)
    if data is None:
        province = index.compute(Scope(), period)
        rows = []
        by_agency = {r.key: r for r in selectors.breakdown(Scope(), period, "agency")}
        for agency in selectors.visible_agencies(None):
            if agency.pk not in by_agency:
                continue
            result = index.compute(Scope(agency_id=agency.pk), period)
            rows.append(
                {
                    "agency": agency.name,
                    "points": result.points,
                    "with_data": result.points_with_data,
                    "figures": by_agency[agency.pk],
                }
            )
        rows.sort(key=lambda r: -(r["points"] or 0))
        data = {"province": province, "rows": rows, "period": period}
        cache.set(key, data, PUBLIC_CACHE_SECONDS)
    return render(request, "reporting/public.html", data)
