from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_otp import devices_for_user
from django_otp import login as otp_login

from .constants import Role
from .forms import CitizenRegistrationForm, OneTimeCodeForm, ProfileForm
from .pdf import qr_png_data_uri
from .second_factor import (
    EnrolmentRefused,
    can_enrol_device,
    has_confirmed_device,
    totp_device_confirm,
    totp_device_start,
)
from .selectors import home_context_for


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/home_public.html")
    role = request.user.primary_role
    context = home_context_for(user=request.user, role=role)
    return render(
        request, f"portal/home_{role}.html", {"role": role, "role_label": Role(role).label, **context}
    )


def register(request):
    form = CitizenRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        try:
            validate_password(form.cleaned_data["password1"], user)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            user.username = user.cccd
            user.set_password(form.cleaned_data["password1"])
            user.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Đăng ký tài khoản thành công."))
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu thông tin cá nhân."))
        return redirect("profile")
    memberships = request.user.agency_memberships.select_related("agency").filter(active=True)
    return render(request, "portal/profile.html", {"form": form, "memberships": memberships})


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse(
        {"status": "ok", "database": connection.vendor, "eager": settings.CELERY_TASK_ALWAYS_EAGER}
    )


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def otp_setup(request):
    """Enrol an authenticator app: show the QR code, confirm with the first code.

    Only a first enrolment or a session confirmed with the existing device may get here; anyone else is
    sent to the verify page (see `portal.second_factor`).
    """
    if not request.user.is_officer:
        return redirect("home")
    if not can_enrol_device(request.user):
        return redirect("otp_verify")
    device = totp_device_start(user=request.user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = totp_device_confirm(
                user=request.user, device=device, token=form.cleaned_data["token"]
            )
        except EnrolmentRefused:  # another session finished the first enrolment meanwhile
            return redirect("otp_verify")
        if confirmed:
            otp_login(request, device)
            messages.success(request, _("Đã bật xác thực hai bước."))
            return redirect("home")
        form.add_error("token", _("Mã xác thực không đúng. Hãy nhập mã đang hiển thị trong ứng dụng."))
    return render(
        request,
        "portal/otp_setup.html",
        {
            "form": form,
            "qr": qr_png_data_uri(device.config_url, box_size=5),
            "secret": device.key,
            "already_enrolled": has_confirmed_device(request.user),
        },
    )


@login_required
def otp_verify(request):
    """Confirm this session with a code from the enrolled authenticator app."""
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(request, "portal/otp_verify.html", {"form": form, "next": _safe_next(request)})
