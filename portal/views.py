from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .constants import Role
from .forms import CitizenRegistrationForm, ProfileForm
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
