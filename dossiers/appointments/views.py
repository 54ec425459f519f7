"""Appointment pages: booking (phone-first, no login needed), the confirmation with its QR and cancel, the
kiosk that prints queue numbers, the desk's call button, the public display and the waiting statistics."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portal import ratelimit
from portal.constants import Role
from portal.errors import ApplicationError
from portal.models import Agency
from portal.pdf import qr_png_data_uri
from procedures.models import Field

from ..models import AppointmentSlot
from ..survey.forms import PeriodForm
from . import selectors, services
from .forms import BookingForm, CallForm, KioskForm


def _no_store(response):
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def book(request):
    now = timezone.now()
    desks = selectors.bookable_desks(now=now)
    desk = (
        desks.filter(pk=request.GET.get("co_quan") or 0).first()
        if request.GET.get("co_quan", "").isdigit()
        else None
    )
    fields = selectors.desk_fields(agency=desk, now=now) if desk else Field.objects.none()
    field = (
        fields.filter(pk=request.GET.get("linh_vuc")).first()
        if desk and request.GET.get("linh_vuc", "").isdigit()
        else None
    )
    form = BookingForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limit = ratelimit.appointment_limit()
        slot = AppointmentSlot.objects.filter(pk=form.cleaned_data["khung_gio"]).first()
        if not ratelimit.allow(limit, request):
            form.add_error(
                None,
                _("Bạn đã đặt lịch quá nhiều lần. Vui lòng thử lại sau %(m)s phút.") % {"m": limit.minutes},
            )
            status = 429
        elif slot is None:
            form.add_error(None, _("Vui lòng chọn một khung giờ."))
        else:
            try:
                appointment = services.appointment_book(
                    slot=slot,
                    name=form.cleaned_data["ho_ten"],
                    phone=form.cleaned_data["dien_thoai"],
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                query = urlencode({"ma": appointment.code, "k": appointment.secret})
                return redirect(f"{reverse('appointments:confirmation')}?{query}")
    slots = selectors.open_slots(agency=desk, field=field, now=now) if desk and field else []
    days: dict = {}
    for slot in slots:
        days.setdefault(timezone.localdate(slot.starts_at), []).append(slot)
    return render(
        request,
        "dossiers/appointments/book.html",
        {"desks": desks, "desk": desk, "fields": fields, "field": field, "days": days.items(), "form": form},
        status=status,
    )


def confirmation(request):
    appointment = selectors.appointment_lookup(
        code=request.GET.get("ma", ""), secret=request.GET.get("k", "")
    )
    if appointment is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "cancel":
        try:
            services.appointment_cancel(appointment=appointment)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã hủy lịch hẹn."))
        return redirect(
            f"{reverse('appointments:confirmation')}?{urlencode({'ma': appointment.code, 'k': appointment.secret})}"
        )
    return _no_store(
        render(
            request,
            "dossiers/appointments/confirmation.html",
            {"appointment": appointment, "qr": qr_png_data_uri(appointment.code, box_size=5)},
        )
    )


def _desk(request) -> Agency:
    agency = selectors.desk_of(request.user)
    if agency is None:
        raise Http404
    return agency


@login_required
def kiosk(request):
    agency = _desk(request)
    form = KioskForm(request.POST or None)
    ticket = None
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_issue(
                agency=agency,
                appointment_code=""
                if request.POST.get("action") == "walk_in"
                else form.cleaned_data["ma_lich_hen"],
            )
        except ApplicationError as exc:
            form.add_error("ma_lich_hen", exc.message)
        else:
            form = KioskForm()
    return render(
        request, "dossiers/appointments/kiosk.html", {"agency": agency, "form": form, "ticket": ticket}
    )


@login_required
def desk_calls(request):
    agency = _desk(request)
    form = CallForm(request.POST or None, initial={"quay": request.session.get("queue_counter", "")})
    called = None
    if request.method == "POST" and form.is_valid():
        request.session["queue_counter"] = form.cleaned_data["quay"]
        called = services.ticket_call_next(
            agency=agency, actor=request.user, counter=form.cleaned_data["quay"]
        )
        if called is None:
            messages.info(request, _("Không còn ai đang chờ."))
    return render(
        request,
        "dossiers/appointments/desk.html",
        {
            "agency": agency,
            "form": form,
            "called": called,
            "display": selectors.queue_display(agency=agency, day=timezone.localdate()),
        },
    )


def display(request, agency_code: str):
    agency = get_object_or_404(Agency, code=agency_code, has_one_stop_desk=True, active=True)
    return render(
        request,
        "dossiers/appointments/display.html",
        {"agency": agency, "display": selectors.queue_display(agency=agency, day=timezone.localdate())},
    )


def display_calls(request, agency_code: str):
    agency = get_object_or_404(Agency, code=agency_code, has_one_stop_desk=True, active=True)
    return render(
        request,
        "dossiers/appointments/_calls.html",
        {"agency": agency, "display": selectors.queue_display(agency=agency, day=timezone.localdate())},
    )


@login_required
def stats(request):
    agency = selectors.desk_of(request.user)
    if agency is None:
        agency = (
            Agency.objects.filter(
                has_one_stop_desk=True,
                memberships__user=request.user,
                memberships__active=True,
                memberships__role__in=(Role.AGENCY_LEADER, Role.APPROVER),
            )
            .order_by("pk")
            .first()
            if request.user.is_officer
            else None
        )
    if agency is None:
        raise Http404
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    start = data.get("tu_ngay") or today - dt.timedelta(days=30)
    end = data.get("den_ngay") or today
    return render(
        request,
        "dossiers/appointments/stats.html",
        {
            "agency": agency,
            "form": form,
            "start": start,
            "end": end,
            "stats": selectors.waiting_time_stats(agency=agency, start=start, end=end),
        },
    )
