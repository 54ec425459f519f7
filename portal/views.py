from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from .constants import Role
from .forms import CitizenRegistrationForm, OneTimeCodeForm, ProfileForm
from .home import public_home_context
from .pdf import qr_png_data_uri
from .safe_url import safe_next_url, safe_redirect_target
from .second_factor import (
    EnrolmentRefused,
    can_enrol_device,
    has_confirmed_device,
    totp_device_confirm,
    totp_device_start,
)
from .selectors import home_context_for
from .sso import sso_enabled


class SafeNextMixin:
    """Django's login and logout follow `next` through the project's one safe-URL check."""

    def get_redirect_url(self):
        return safe_next_url(self.request, fallback="", param=self.redirect_field_name)


class LoginView(SafeNextMixin, auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "national_sso": sso_enabled()}


class LogoutView(SafeNextMixin, auth_views.LogoutView):
    pass


@csrf_exempt
@require_POST
def set_language(request):
    """The language switcher: remember the choice in the language cookie (read by ChosenLanguageMiddleware)
    and go back to the page, through the one safe-URL check like every `next`.

    Without a CSRF token: the request changes nothing but the display language of this browser, which a forged
    one could only switch back and forth; in exchange, a page's switch carries nothing of the visitor's, so an
    anonymous page sets no CSRF cookie and its parts can be kept for every visitor."""
    back = safe_next_url(
        request, fallback=safe_redirect_target(request, request.headers.get("referer"), fallback="/")
    )
    response = redirect(back)
    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/home_public.html", public_home_context())
    role = request.user.primary_role
    context = home_context_for(user=request.user, role=role)
    return render(
        request, f"portal/home_{role}.html", {"role": role, "role_label": Role(role).label, **context}
    )


def accessibility(request):
    """The accessibility statement: what the portal supports and how to report a barrier."""
    return render(request, "portal/accessibility.html")


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
                return redirect(safe_next_url(request, fallback="/"))
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(
        request, "portal/otp_verify.html", {"form": form, "next": safe_next_url(request, fallback="/")}
    )
